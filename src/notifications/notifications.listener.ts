import { Injectable, Logger } from '@nestjs/common';
import type { WithdrawalUpdatedEvent } from '../accounts/accounts.events';
import { OnDomainEvent } from '../common/events/on-domain-event.decorator';
import type { CreatorDividendsPaidEvent } from '../creators/creators.events';
import type { MarketPositionsSettledEvent } from '../markets/markets.events';
import type { RoundPayoutsEvent } from '../rounds/rounds.events';
import type { PerpPositionTriggeredEvent } from '../trades/trades.events';
import { dividendDrafts, marketSettledDrafts, NotificationDraft, perpTriggerDraft, roundPayoutDrafts, withdrawalDraft } from './notification-drafts';
import { NotificationJobs } from './notification-jobs';
import { NotificationMetrics } from './notification-metrics';

/**
 * Turns the committed domain events of other modules into `create` jobs: each job is keyed by its cause and each
 * notification by its key, so an event handled twice (a settlement job rerun) notifies nobody twice.
 */
@Injectable()
export class NotificationsListener {
  private readonly logger = new Logger('NotificationsListener');

  constructor(
    private readonly jobs: NotificationJobs,
    private readonly metrics: NotificationMetrics,
  ) {}

  @OnDomainEvent('market.positions-settled')
  onMarketSettled(event: MarketPositionsSettledEvent): void {
    this.enqueue('market.positions-settled', marketSettledDrafts(event));
  }

  @OnDomainEvent('creator.dividends-paid')
  onDividendsPaid(event: CreatorDividendsPaidEvent): void {
    this.enqueue('creator.dividends-paid', dividendDrafts(event));
  }

  @OnDomainEvent('perp.position-triggered')
  onPerpTriggered(event: PerpPositionTriggeredEvent): void {
    this.enqueue('perp.position-triggered', [perpTriggerDraft(event)]);
  }

  @OnDomainEvent('withdrawal.updated')
  onWithdrawalUpdated(event: WithdrawalUpdatedEvent): void {
    const draft = withdrawalDraft(event);
    if (draft) this.enqueue('withdrawal.updated', [draft]);
  }

  @OnDomainEvent('round.payouts')
  onRoundPayouts(event: RoundPayoutsEvent): void {
    this.enqueue('round.payouts', roundPayoutDrafts(event));
  }

  private enqueue(cause: string, drafts: NotificationDraft[]): void {
    this.jobs.create(drafts).catch((error: Error) => {
      this.metrics.enqueueFailures.inc({ cause });
      this.logger.error(`could not enqueue the notifications of ${cause} (${drafts.length} lost): ${error.message}`);
    });
  }
}
