import { Injectable } from '@nestjs/common';
import { Gauge, Histogram } from 'prom-client';
import { MetricsService } from '../health/metrics.service';

/**
 * The round engine's timing, on the instance that leads it: how late each tick was written against its
 * schedule (startsAt + tick × tickMs), and how long ago the live round last ticked (a stalled engine).
 */
@Injectable()
export class RoundEngineMetrics {
  private readonly tickLag: Histogram;
  private lastTickAt: (() => number | null) | null = null;

  constructor(metrics: MetricsService) {
    this.tickLag = new Histogram({
      name: 'round_tick_lag_seconds',
      help: 'How late a round tick was committed after its scheduled time (startsAt + tick × tickMs), on the engine leader',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [metrics.registry],
    });
    const lastTick = () => this.lastTickAt?.() ?? null;
    new Gauge({
      name: 'round_last_tick_age_seconds',
      help: 'Seconds since the live round last ticked, on the engine leader (absent when this instance runs no live round)',
      registers: [metrics.registry],
      collect() {
        this.reset();
        const at = lastTick();
        if (at !== null) this.set(Math.max(0, Date.now() - at) / 1000);
      },
    });
  }

  tickCommitted(scheduledAt: number): void {
    this.tickLag.observe(Math.max(0, Date.now() - scheduledAt) / 1000);
  }

  /** Where the live round's last tick time is read at scrape (null: no live round here). */
  reportLastTick(source: () => number | null): void {
    this.lastTickAt = source;
  }
}
