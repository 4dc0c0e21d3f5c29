import { OnEvent } from '@nestjs/event-emitter';
import type { DomainEventMap, DomainEventName } from './domain-event-map';

/** The payload type of a domain event, for a listener's parameter. */
export type DomainEventPayload<Name extends DomainEventName> = DomainEventMap[Name];

type Listener<Name extends DomainEventName> = (payload: DomainEventPayload<Name>) => unknown;

/**
 * `@OnEvent` for a domain event, typed by the map: the method must take exactly the event's payload.
 * A listener that throws is logged by the event emitter and never reaches the command that caused the event.
 */
export function OnDomainEvent<Name extends DomainEventName>(name: Name) {
  return (target: object, method: string | symbol, descriptor: TypedPropertyDescriptor<Listener<Name>>): void => {
    OnEvent(name, { suppressErrors: true })(target, method, descriptor);
  };
}
