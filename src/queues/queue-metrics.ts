import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { Job, Queue } from 'bullmq';
import { Counter, Gauge, Histogram } from 'prom-client';
import { MetricsService } from '../health/metrics.service';
import { JobQueues } from './job-queues';
import { queueDeadlineSeconds } from './queue-deadlines';

const COUNTED_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'failed', 'waiting-children'] as const;

/** Scrapes within this long share one read of the queues (several Prometheus servers, or a dashboard refresh). */
const SNAPSHOT_CACHE_MS = 5000;
/** A scrape never waits on Redis longer than this (BullMQ's connection retries forever while Redis is down). */
const SNAPSHOT_TIMEOUT_MS = 1000;

export interface QueueSnapshot {
  queue: string;
  counts: Record<(typeof COUNTED_STATES)[number], number>;
  /** Seconds since the oldest waiting job became ready to run; 0 when none waits. */
  oldestWaitingSeconds: number;
}

/** When a job became ready to run: its creation, plus its delay when it was delayed. */
export function readySince(job: Pick<Job, 'timestamp' | 'delay'>): number {
  return job.timestamp + (job.delay ?? 0);
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  return Promise.race([work, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms).unref())]);
}

/**
 * BullMQ queue metrics. Depth and the oldest waiting job are queue-wide (every instance reports the same; use
 * `max by (queue)`), read from Redis at scrape time and cached for a few seconds. Completions, failures and
 * retries are counted by this instance's workers as they happen.
 */
@Injectable()
export class QueueMetrics implements OnApplicationBootstrap {
  private readonly logger = new Logger(QueueMetrics.name);
  private readonly completed: Counter<'queue'>;
  private readonly failures: Counter<'queue' | 'final'>;
  private readonly retries: Counter<'queue'>;
  private readonly duration: Histogram<'queue' | 'result'>;
  private readonly scrapeErrors: Counter;
  private snapshot?: { at: number; value: Promise<QueueSnapshot[]> };

  constructor(
    private readonly queues: JobQueues,
    metrics: MetricsService,
  ) {
    const registers = [metrics.registry];
    const read = () => this.read();
    new Gauge({
      name: 'job_queue_jobs',
      help: 'Jobs in each BullMQ queue by state (waiting, active, delayed, prioritized, failed, waiting-children); queue-wide, read at scrape',
      labelNames: ['queue', 'state'] as const,
      registers,
      async collect() {
        const snapshots = await read();
        this.reset();
        for (const { queue, counts } of snapshots) for (const state of COUNTED_STATES) this.set({ queue, state }, counts[state]);
      },
    });
    new Gauge({
      name: 'job_queue_oldest_waiting_seconds',
      help: 'Age of the oldest job ready to run but not started, per queue (0 when none waits); queue-wide, read at scrape',
      labelNames: ['queue'] as const,
      registers,
      async collect() {
        const snapshots = await read();
        this.reset();
        for (const { queue, oldestWaitingSeconds } of snapshots) this.set({ queue }, oldestWaitingSeconds);
      },
    });
    const listQueues = () => this.queues.queues();
    new Gauge({
      name: 'job_queue_deadline_seconds',
      help: 'How long a job of the queue may wait before JobQueueOldestWaitingTooLong fires (src/queues/queue-deadlines.ts)',
      labelNames: ['queue'] as const,
      registers,
      collect() {
        for (const queue of listQueues()) this.set({ queue: queue.name }, queueDeadlineSeconds(queue.name));
      },
    });
    this.completed = new Counter({ name: 'jobs_completed_total', help: 'Jobs this instance completed, per queue', labelNames: ['queue'] as const, registers });
    this.failures = new Counter({
      name: 'job_failures_total',
      help: 'Job attempts that failed on this instance, per queue; final="true" when no attempt is left (the job stays failed)',
      labelNames: ['queue', 'final'] as const,
      registers,
    });
    this.retries = new Counter({
      name: 'job_retries_total',
      help: 'Failed job attempts that BullMQ will retry (attempts left), per queue',
      labelNames: ['queue'] as const,
      registers,
    });
    this.duration = new Histogram({
      name: 'job_duration_seconds',
      help: 'Time a job attempt ran on this instance, per queue and result (completed, failed)',
      labelNames: ['queue', 'result'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
    this.scrapeErrors = new Counter({
      name: 'job_queue_scrape_errors_total',
      help: 'Scrapes whose read of the queues failed or timed out (Redis down): the queue gauges show the last good read',
      registers,
    });
  }

  onApplicationBootstrap(): void {
    for (const worker of this.queues.workers()) {
      const queue = worker.name;
      worker.on('completed', (job: Job) => {
        this.completed.inc({ queue });
        this.observeDuration(queue, 'completed', job);
      });
      worker.on('failed', (job: Job | undefined) => {
        const attempts = job?.opts.attempts ?? 1;
        const final = !job || job.attemptsMade >= attempts;
        this.failures.inc({ queue, final: String(final) });
        if (!final) this.retries.inc({ queue });
        if (job) this.observeDuration(queue, 'failed', job);
      });
    }
  }

  private observeDuration(queue: string, result: 'completed' | 'failed', job: Job): void {
    // An attempt that will be retried has no finishedOn: it ended now.
    if (job.processedOn) this.duration.observe({ queue, result }, Math.max(0, (job.finishedOn ?? Date.now()) - job.processedOn) / 1000);
  }

  /** The queues' state, read at most once per SNAPSHOT_CACHE_MS; the previous read when Redis does not answer. */
  private read(): Promise<QueueSnapshot[]> {
    const now = Date.now();
    if (this.snapshot && now - this.snapshot.at < SNAPSHOT_CACHE_MS) return this.snapshot.value;
    const previous = this.snapshot?.value ?? Promise.resolve([]);
    const value = withTimeout(Promise.all(this.queues.queues().map((queue) => this.readQueue(queue, now))), SNAPSHOT_TIMEOUT_MS).catch(
      async (error: unknown) => {
        this.scrapeErrors.inc();
        this.logger.warn(`queue metrics not read: ${(error as Error).message}`);
        this.snapshot = undefined;
        return previous;
      },
    );
    this.snapshot = { at: now, value };
    return value;
  }

  private async readQueue(queue: Queue, now: number): Promise<QueueSnapshot> {
    // The wait list is FIFO: its far end is the job that has waited longest (prioritized jobs, unused here, are not).
    const [counts, oldestWaiting] = await Promise.all([queue.getJobCounts(...COUNTED_STATES), queue.getJobs(['wait'], 0, 0, true)]);
    const readyTimes = oldestWaiting.filter(Boolean).map(readySince);
    const oldest = readyTimes.length > 0 ? Math.min(...readyTimes) : now;
    return {
      queue: queue.name,
      counts: Object.fromEntries(COUNTED_STATES.map((state) => [state, counts[state] ?? 0])) as QueueSnapshot['counts'],
      oldestWaitingSeconds: Math.max(0, now - oldest) / 1000,
    };
  }
}
