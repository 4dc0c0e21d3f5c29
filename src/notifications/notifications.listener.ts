import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { DomainEventBus } from '../common/events/domain-event-bus';
import type { DomainEvent } from '../common/events/domain-event-map';
import { OnDomainEvent } from '../common/events/on-domain-event.decorator';
import { dividendDrafts, marketSettledDrafts, NotificationDraft, perpTriggerDraft, roundPayoutDrafts, withdrawalDraft } from './notification-drafts';
import { NotificationJobs } from './notification-jobs';
import type { NotificationsCommittedEvent, NotificationsOutboxedEvent } from './notifications.events';
import { NotificationsService } from './notifications.service';

/** The domain events of other modules that notify their users. */
export const NOTIFYING_EVENTS = ['market.positions-settled', 'creator.dividends-paid', 'perp.position-triggered', 'withdrawal.updated', 'round.payouts'] as const;

export type NotifyingEvent = DomainEvent<(typeof NOTIFYING_EVENTS)[number]>;

/** What one cause tells its users (nothing for a withdrawal that has not ended yet). */
export function draftsOf(event: NotifyingEvent): NotificationDraft[] {
  switch (event.name) {
    case 'market.positions-settled':
      return marketSettledDrafts(event.payload);
    case 'creator.dividends-paid':
      return dividendDrafts(event.payload);
    case 'perp.position-triggered':
      return [perpTriggerDraft(event.payload)];
    case 'withdrawal.updated': {
      const draft = withdrawalDraft(event.payload);
      return draft ? [draft] : [];
    }
    case 'round.payouts':
      return roundPayoutDrafts(event.payload);
  }
}

/**
 * Writes the notifications of other modules' causes in the cause's own transaction: the bus hands this every
 * notifying event a transaction recorded, just before its COMMIT, and they are written on its manager: as rows in
 * one statement, or from NOTIFICATION_OUTBOX_FROM of them (a settlement batch of 1,000 holders) as one outbox row
 * that the `outbox` job turns into rows. So a cause that commits has its notifications, even if the process dies
 * right after; one that rolls back has none; and a cause handled twice (a rerun batch) notifies nobody twice (each
 * notification's key is unique). Pushes, counts and digests follow the commit.
 */
@Injectable()
export class NotificationsListener implements OnModuleInit {
  private readonly logger = new Logger('NotificationsListener');

  constructor(
    private readonly events: DomainEventBus,
    private readonly notifications: NotificationsService,
    private readonly jobs: NotificationJobs,
  ) {}

  onModuleInit(): void {
    this.events.beforeCommit(NOTIFYING_EVENTS, (manager, events) => this.recordInTransaction(manager, events));
  }

  async recordInTransaction(manager: EntityManager, events: NotifyingEvent[]): Promise<void> {
    await this.notifications.recordForCause(manager, events.flatMap(draftsOf));
  }

  /** A failed enqueue leaves the outbox row for the next worker start (the notifications are not lost, only late). */
  @OnDomainEvent('notifications.outboxed')
  onOutboxed(event: NotificationsOutboxedEvent): void {
    this.jobs.drainOutbox(event.outboxId).catch((error: Error) => this.logger.error(`could not enqueue outbox ${event.outboxId}; it is drained at the next worker start: ${error.message}`));
  }

  @OnDomainEvent('notifications.committed')
  onCommitted(event: NotificationsCommittedEvent): void {
    void this.notifications.committed(event.created);
  }
}
