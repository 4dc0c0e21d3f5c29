/**
 * Every domain event: its name and the type of its payload. The map starts empty here so `common`
 * depends on no module; each module declares its own events beside its code, in `<module>.events.ts`:
 *
 *   declare module '../common/events/domain-event-map' {
 *     interface DomainEventMap { 'round.candle': RoundCandleEvent }
 *   }
 *
 * Services record them with `DomainEventBus.afterCommit`; listeners take them with `@OnDomainEvent`.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface DomainEventMap {}

export type DomainEventName = keyof DomainEventMap;

/** One event: its name and that name's payload (a union over the names, so the name picks the payload). */
export type DomainEvent<Name extends DomainEventName = DomainEventName> = { [N in Name]: { name: N; payload: DomainEventMap[N] } }[Name];
