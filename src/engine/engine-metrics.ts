import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram } from 'prom-client';
import { MetricsService } from '../health/metrics.service';

/** Commands a shard's leader holds that no batch took yet (local submits and entries read from the stream). */
export interface ShardQueueDepth {
  venue: string;
  shard: string;
  depth: number;
}

export type SubmitPath = 'local' | 'remote';
export type SubmitResult = 'ok' | 'refused' | 'unavailable';

@Injectable()
export class EngineMetrics {
  readonly batchSize: Histogram<'venue'>;
  readonly commitSeconds: Histogram<'venue' | 'result'>;
  readonly commandsPruned: Counter;
  readonly appliedWithoutBatch: Counter<'venue'>;
  readonly overlappedBatches: Counter<'venue'>;
  readonly submitSeconds: Histogram<'venue' | 'path' | 'result'>;
  readonly queueDepth: Gauge<'venue' | 'shard'>;
  private readonly queueSources: (() => ShardQueueDepth[])[] = [];

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
    this.appliedWithoutBatch = new Counter({
      name: 'engine_commands_without_batch_total',
      help: 'Local commands answered at once because applying them wrote nothing (a tick that fired nothing): no batch, no transaction',
      labelNames: ['venue'] as const,
      registers: [metrics.registry],
    });
    this.overlappedBatches = new Counter({
      name: 'engine_batches_overlapped_total',
      help: 'Batches applied while the previous batch of their shard was still committing (ENGINE_PIPELINE_DEPTH > 1 and the venue allowed it)',
      labelNames: ['venue'] as const,
      registers: [metrics.registry],
    });
    this.submitSeconds = new Histogram({
      name: 'engine_submit_seconds',
      help: 'Time from VenueEngine.submit to its outcome, by path (local: this instance leads; remote: through the shard stream and a reply) and result (ok, refused, unavailable: 503)',
      labelNames: ['venue', 'path', 'result'] as const,
      buckets: [0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [metrics.registry],
    });
    this.queueDepth = new Gauge({
      name: 'engine_queue_depth',
      help: 'Commands waiting at a shard leader for their batch (local submits and entries read from the stream), per shard this instance leads',
      labelNames: ['venue', 'shard'] as const,
      registers: [metrics.registry],
      // Read at scrape time: shards this instance stopped leading disappear.
      collect: () => {
        this.queueDepth.reset();
        for (const source of this.queueSources) for (const { venue, shard, depth } of source()) this.queueDepth.set({ venue, shard }, depth);
      },
    });
  }

  /** Where engine_queue_depth is read from at each scrape. */
  reportQueueDepths(source: () => ShardQueueDepth[]): void {
    this.queueSources.push(source);
  }
}
