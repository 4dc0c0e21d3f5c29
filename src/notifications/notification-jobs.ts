import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { JobsOptions, Queue } from 'bullmq';
import { AppConfig } from '../config/app-config';
import { digestWindowEnd } from './notification-digest';
import type { NotificationDraft } from './notification-drafts';
import { creationJobId, digestJobId } from './notification-keys';
import { withRequestId } from '../common/request-context';

export const NOTIFICATIONS_QUEUE = 'notifications';

export type NotificationJobData =
  | { name: 'create'; drafts: NotificationDraft[] }
  | { name: 'digest'; userId: string }
  | { name: 'broadcast'; broadcastId: string };

/**
 * The `notifications` queue: `create` (a cause's notifications, keyed by the cause so a job that runs twice
 * inserts once), `digest` (one user's email digest, one job per user and window) and `broadcast` (an admin
 * broadcast's fan-out, resumable). BullMQ ignores `add()` for an id it still holds, so enqueueing the same
 * cause twice is one job; a second job for the same cause (after the first finished) inserts nothing.
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

  async create(drafts: NotificationDraft[]): Promise<void> {
    if (drafts.length === 0) return;
    const jobId = creationJobId(drafts.map((draft) => draft.key));
    await this.queue.add('create', withRequestId({ name: 'create' as const, drafts }), { ...this.jobOptions, jobId });
  }

  /** The user's digest at the end of the current window (or at `at`, when the last mail was too recent). */
  async digest(userId: string, at: Date = digestWindowEnd(new Date(), this.config.notifications.emailDigestMs)): Promise<void> {
    await this.queue.add('digest', withRequestId({ name: 'digest' as const, userId }), { ...this.jobOptions, jobId: digestJobId(userId, at), delay: Math.max(0, at.getTime() - Date.now()) });
  }

  async broadcast(broadcastId: string): Promise<void> {
    await this.queue.add('broadcast', withRequestId({ name: 'broadcast' as const, broadcastId }), { ...this.jobOptions, jobId: `broadcast-${broadcastId}` });
  }
}
