import { Injectable } from '@nestjs/common';
import { Counter } from 'prom-client';
import { MetricsService } from '../health/metrics.service';

@Injectable()
export class NotificationMetrics {
  readonly created: Counter<'kind'>;
  readonly digestsSent: Counter;
  /** A cause's notifications whose job could not be enqueued after its commit: they are lost (alert on it). */
  readonly enqueueFailures: Counter<'cause'>;

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
    this.enqueueFailures = new Counter({
      name: 'notification_enqueue_failures_total',
      help: 'Notification jobs of a committed cause that could not be enqueued, by domain event',
      labelNames: ['cause'] as const,
      registers: [metrics.registry],
    });
  }
}
