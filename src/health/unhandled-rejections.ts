import { Logger } from '@nestjs/common';
import type { MetricsService } from './metrics.service';

function describe(reason: unknown): string {
  if (typeof reason === 'string') return reason;
  try {
    return JSON.stringify(reason) ?? String(reason);
  } catch {
    return String(reason);
  }
}

/**
 * Process-wide: a promise rejection nobody handled is logged with its error and counted in
 * `unhandled_rejections_total`, and the process keeps running. Node's default is to exit 1, which
 * takes every in-flight request and job down with it; a stray rejection is a bug to fix (the log
 * and the metric say where), not a reason to stop serving. What must stop the process, a critical
 * dependency missing at boot, is awaited in `main.ts` and exits there with its own message.
 */
export class UnhandledRejections {
  private readonly logger = new Logger('Process');
  private readonly listener = (reason: unknown) => this.record(reason);
  private metrics?: MetricsService;
  private seen = 0;

  install(): this {
    process.on('unhandledRejection', this.listener);
    return this;
  }

  uninstall(): void {
    process.off('unhandledRejection', this.listener);
  }

  /** From boot on the metric exists; rejections seen before it did are added to it now. */
  countIn(metrics: MetricsService): void {
    this.metrics = metrics;
    if (this.seen > 0) metrics.unhandledRejections.inc(this.seen);
  }

  record(reason: unknown): void {
    this.seen += 1;
    this.metrics?.unhandledRejections.inc();
    const message = `Unhandled promise rejection; the process keeps running (${this.seen} since start)`;
    if (reason instanceof Error) this.logger.error(message, reason);
    else this.logger.error(`${message}: ${describe(reason)}`);
  }
}
