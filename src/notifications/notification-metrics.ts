import { Injectable } from '@nestjs/common';
import { Counter } from 'prom-client';
import { MetricsService } from '../health/metrics.service';

@Injectable()
export class NotificationMetrics {
  readonly created: Counter<'kind'>;
  readonly digestsSent: Counter;
  /** Users whose digest job could not be scheduled after their notifications committed (they wait for their next one). */
  readonly digestScheduleFailures: Counter;

  constructor(metrics: MetricsService) {
    this.created = new Counter({
      name: 'notifications_created_total',
      help: 'Notifications created (once per cause and user), by kind',
      labelNames: ['kind'] as const,
      registers: [metrics.registry],
    });
    this.digestsSent = new Counter({
      name: 'notification_digests_sent_total',
      help: 'Notification digest mails sent',
      registers: [metrics.registry],
    });
    this.digestScheduleFailures = new Counter({
      name: 'notification_digest_schedule_failures_total',
      help: 'Users whose email digest job could not be enqueued after their notifications committed',
      registers: [metrics.registry],
    });
  }
}
