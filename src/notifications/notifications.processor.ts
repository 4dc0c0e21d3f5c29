import { Processor } from '@nestjs/bullmq';
import { Job } from 'bullmq';
import { AppConfig } from '../config/app-config';
import { JobWorker } from '../lifecycle/job-worker';
import { NotificationBroadcasts } from './notification-broadcasts.service';
import { NotificationDigests } from './notification-digests.service';
import { NOTIFICATIONS_QUEUE, NotificationJobData, NotificationJobs, OUTBOX_SWEEP_MS } from './notification-jobs';
import { NotificationsService } from './notifications.service';

/** `notifications`: creates a large cause's notifications from its outbox row, mails a user's digest, fans a broadcast out (and drains `create` jobs an older build enqueued). */
@Processor(NOTIFICATIONS_QUEUE, { autorun: false, concurrency: 4 })
export class NotificationsProcessor extends JobWorker {
  constructor(
    private readonly notifications: NotificationsService,
    private readonly digests: NotificationDigests,
    private readonly broadcasts: NotificationBroadcasts,
    private readonly jobs: NotificationJobs,
    config: AppConfig,
  ) {
    super(config, 'NotificationsWorker');
  }

  /** A broadcast stored, or an outbox row committed, but its job never enqueued (the process stopped in between) is picked up at start; outbox rows also every minute. */
  protected override async beforeStart(): Promise<void> {
    for (const broadcastId of await this.broadcasts.unfinished()) await this.jobs.broadcast(broadcastId);
    for (const outboxId of await this.notifications.outboxWaiting()) await this.jobs.drainOutbox(outboxId);
    await this.jobs.scheduleOutboxSweep();
  }

  async process(job: Job<NotificationJobData>): Promise<{ created?: number; mailed?: number; notified?: number }> {
    const data = job.data;
    switch (data.name) {
      case 'create':
        return { created: (await this.notifications.create(data.drafts)).length };
      case 'outbox':
        return { created: await this.notifications.drainOutbox(data.outboxId) };
      case 'outbox-sweep': {
        const leftBehind = await this.notifications.outboxWaiting(OUTBOX_SWEEP_MS);
        const sweep = Math.floor(Date.now() / OUTBOX_SWEEP_MS);
        for (const outboxId of leftBehind) await this.jobs.redrainOutbox(outboxId, sweep);
        return { notified: leftBehind.length };
      }
      case 'digest': {
        const outcome = await this.digests.send(data.userId);
        if (outcome.retryAt) await this.jobs.digest(data.userId, outcome.retryAt);
        return { mailed: outcome.sent };
      }
      case 'broadcast':
        return { notified: await this.broadcasts.deliver(data.broadcastId) };
    }
  }
}
