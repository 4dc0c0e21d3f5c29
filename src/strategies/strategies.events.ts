import type { StrategyDto } from './strategies.dto';

export const StrategyEvent = {
  /** A strategy was started, stopped (by its user or a limit) or finished a round; `strategies.realtime.ts` sends it to `user:<id>`. */
  Updated: 'strategy.updated',
  /** A queued backtest replayed another page of rounds, or finished; `strategies.realtime.ts` sends `backtest:progress` to `user:<id>`. */
  BacktestProgress: 'strategy.backtest-progress',
} as const;

export interface StrategyUpdatedEvent {
  userId: string;
  strategy: StrategyDto;
}

export interface BacktestProgressEvent {
  userId: string;
  jobId: string;
  status: 'running' | 'completed' | 'failed';
  roundsReplayed: number;
  roundsTotal: number;
}

declare module '../common/events/domain-event-map' {
  interface DomainEventMap {
    'strategy.updated': StrategyUpdatedEvent;
    'strategy.backtest-progress': BacktestProgressEvent;
  }
}
