import { Injectable } from '@nestjs/common';
import { OnDomainEvent } from '../common/events/on-domain-event.decorator';
import { RealtimePublisher } from '../realtime/realtime.publisher';
import { BacktestProgressEvent, StrategyEvent, StrategyUpdatedEvent } from './strategies.events';

/**
 * `strategy:update` on `user:<id>`: the strategy as `GET /api/v1/strategies/:id` returns it; `backtest:progress`:
 * `{jobId, status, roundsReplayed, roundsTotal}` of a queued backtest of the user (the result is at `GET /api/v1/strategies/backtests/:jobId`).
 */
@Injectable()
export class StrategiesRealtime {
  constructor(private readonly publisher: RealtimePublisher) {}

  @OnDomainEvent(StrategyEvent.Updated)
  onUpdated(event: StrategyUpdatedEvent): void {
    this.publisher.strategyUpdate(event.userId, event.strategy);
  }

  @OnDomainEvent(StrategyEvent.BacktestProgress)
  onBacktestProgress({ userId, ...progress }: BacktestProgressEvent): void {
    this.publisher.backtestProgress(userId, progress);
  }
}
