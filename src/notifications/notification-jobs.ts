import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { JobsOptions, Queue } from 'bullmq';
import { AppConfig } from '../config/app-config';
import { digestWindowEnd } from './notification-digest';
import type { NotificationDraft } from './notification-drafts';
import { digestJobId } from './notification-keys';
import { withRequestId } from '../common/request-context';

export const NOTIFICATIONS_QUEUE = 'notifications';
export const OUTBOX_SWEEP_MS = 60_000;

export type NotificationJobData =
  /** Left in the queue by a build that created a cause's notifications in a job after the commit: still drained. */
  | { name: 'create'; drafts: NotificationDraft[] }
  | { name: 'outbox'; outboxId: string }
  /** Every minute: outbox rows older than a minute get a job again (their enqueue failed, or their job failed for good). */
  | { name: 'outbox-sweep' }
  | { name: 'digest'; userId: string }
  | { name: 'broadcast'; broadcastId: string };

/**
 * The `notifications` queue: `outbox` (a large cause's notifications, committed with it as one outbox row, created),
 * `digest` (one user's email digest, one job per user and window) and `broadcast` (an admin broadcast's fan-out,
 * resumable). A cause's notifications are written in the cause's own transaction (NotificationsListener), not here. BullMQ ignores `add()` for an id it still holds, so a digest scheduled twice
 * in one window is one job.
 */
@Injectable()
export class NotificationJobs {
  private readonly jobOptions: JobsOptions;

  constructor(
    @InjectQueue(NOTIFICATIONS_QUEUE) private readonly queue: Queue<NotificationJobData>,
    private readonly config: AppConfig,
  ) {
    this.jobOptions = {
      removeOnComplete: 1000,
      removeOnFail: 1000,
      attempts: config.marketJobAttempts,
      backoff: { type: 'exponential', delay: config.marketJobBackoffMs },
    };
  }

  async drainOutbox(outboxId: string): Promise<void> {
    await this.queue.add('outbox', withRequestId({ name: 'outbox' as const, outboxId }), { ...this.jobOptions, jobId: `outbox-${outboxId}` });
  }

  /** A second job for a row left behind: its first job id may still be held (failed) by BullMQ, so a new id per sweep. */
  async redrainOutbox(outboxId: string, sweep: number): Promise<void> {
    await this.queue.add('outbox', withRequestId({ name: 'outbox' as const, outboxId }), { ...this.jobOptions, jobId: `outbox-${outboxId}-sweep-${sweep}` });
  }

  async scheduleOutboxSweep(everyMs = OUTBOX_SWEEP_MS): Promise<void> {
    await this.queue.upsertJobScheduler('notification-outbox-sweep', { every: everyMs }, { name: 'outbox-sweep', data: { name: 'outbox-sweep' }, opts: { removeOnComplete: 100, removeOnFail: 100 } });
  }

  /** The digests of these users at the end of the current window, in one round trip (a settlement batch notifies 1,000 users). */
  async digests(userIds: string[]): Promise<void> {
    if (userIds.length === 0) return;
    const at = digestWindowEnd(new Date(), this.config.notifications.emailDigestMs);
    const delay = Math.max(0, at.getTime() - Date.now());
    await this.queue.addBulk(
      userIds.map((userId) => ({ name: 'digest', data: withRequestId({ name: 'digest' as const, userId }), opts: { ...this.jobOptions, jobId: digestJobId(userId, at), delay } })),
    );
  }

  /** The user's digest at the end of the current window (or at `at`, when the last mail was too recent). */
  async digest(userId: string, at: Date = digestWindowEnd(new Date(), this.config.notifications.emailDigestMs)): Promise<void> {
    await this.queue.add('digest', withRequestId({ name: 'digest' as const, userId }), { ...this.jobOptions, jobId: digestJobId(userId, at), delay: Math.max(0, at.getTime() - Date.now()) });
  }

  async broadcast(broadcastId: string): Promise<void> {
    await this.queue.add('broadcast', withRequestId({ name: 'broadcast' as const, broadcastId }), { ...this.jobOptions, jobId: `broadcast-${broadcastId}` });
  }
}
