import type { StrategyDto } from './strategies.dto';

export const StrategyEvent = {
  /** A strategy was started, stopped (by its user or a limit) or finished a round; `strategies.realtime.ts` sends it to `user:<id>`. */
  Updated: 'strategy.updated',
} as const;

export interface StrategyUpdatedEvent {
  userId: string;
  strategy: StrategyDto;
}

declare module '../common/events/domain-event-map' {
  interface DomainEventMap {
    'strategy.updated': StrategyUpdatedEvent;
  }
}
