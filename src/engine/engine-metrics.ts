import { Injectable } from '@nestjs/common';
import { Counter, Histogram } from 'prom-client';
import { MetricsService } from '../health/metrics.service';

@Injectable()
export class EngineMetrics {
  readonly batchSize: Histogram<'venue'>;
  readonly commitSeconds: Histogram<'venue' | 'result'>;
  readonly commandsPruned: Counter;

  constructor(metrics: MetricsService) {
    this.batchSize = new Histogram({
      name: 'engine_batch_size',
      help: 'Commands per venue engine batch',
      labelNames: ['venue'] as const,
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024],
      registers: [metrics.registry],
    });
    this.commitSeconds = new Histogram({
      name: 'engine_batch_commit_seconds',
      help: 'Duration of a venue engine batch transaction (fence, dedupe, apply, store, commit), by result (committed, fenced, failed)',
      labelNames: ['venue', 'result'] as const,
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers: [metrics.registry],
    });
    this.commandsPruned = new Counter({
      name: 'engine_commands_pruned_total',
      help: 'engine_commands rows deleted because they were older than ENGINE_COMMAND_RETENTION_MS',
      registers: [metrics.registry],
    });
  }
}
