import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/** Prometheus registry for this process; other modules register their own metrics on it. */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  readonly httpRequestDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  /** Incremented by UnhandledRejections (installed by main.ts for the whole process). */
  readonly unhandledRejections = new Counter({
    name: 'unhandled_rejections_total',
    help: 'Promise rejections nobody handled; each is logged with its error and the process keeps running',
    registers: [this.registry],
  });

  /** Counted by the HTTP metrics middleware from the `Idempotent-Replayed` answer header. */
  readonly idempotencyReplays = new Counter({
    name: 'idempotency_replays_total',
    help: 'Requests answered from a stored Idempotency-Key answer instead of running again, by route',
    labelNames: ['route'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }
}
