import { Queue, Worker } from 'bullmq';
import { MetricsService } from '../../src/health/metrics.service';
import type { JobQueues } from '../../src/queues/job-queues';
import { QueueMetrics } from '../../src/queues/queue-metrics';
import { testConfig } from '../support/test-app';

function sample(text: string, name: string, labels: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${name}{`) && labels.split(',').every((pair) => candidate.includes(pair)));
  return line === undefined ? undefined : Number(line.split(' ').pop());
}

/** QueueMetrics against a real BullMQ queue in Redis: depth and oldest waiting job at scrape, failures and retries as they happen. */
describe('QueueMetrics (medium)', () => {
  const config = testConfig();
  const connection = { url: config.redisUrl, maxRetriesPerRequest: null };
  const prefix = `${config.redisKeyPrefix}:bull-queue-metrics-${Date.now()}`;
  let queue: Queue;
  let worker: Worker | undefined;

  beforeEach(async () => {
    queue = new Queue('metrics-probe', { connection, prefix });
    await queue.obliterate({ force: true }).catch(() => undefined);
  });

  afterEach(async () => {
    await worker?.close();
    worker = undefined;
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
  });

  it('reports waiting jobs and the age of the oldest one, and the queue deadline', async () => {
    await queue.add('old', { n: 1 }, { timestamp: Date.now() - 90_000 } as never);
    await queue.add('new', { n: 2 });
    const metrics = new MetricsService();
    new QueueMetrics({ queues: () => [queue], workers: () => [] } as unknown as JobQueues, metrics).onApplicationBootstrap();
    const text = await metrics.registry.metrics();
    expect(sample(text, 'job_queue_jobs', 'queue="metrics-probe",state="waiting"')).toBe(2);
    expect(sample(text, 'job_queue_oldest_waiting_seconds', 'queue="metrics-probe"')).toBeGreaterThanOrEqual(89);
    expect(sample(text, 'job_queue_deadline_seconds', 'queue="metrics-probe"')).toBe(300);
  });

  it('counts a failed attempt that will be retried, then the final failure, and completions', async () => {
    const metrics = new MetricsService();
    let attempts = 0;
    worker = new Worker(
      'metrics-probe',
      async (job) => {
        if (job.name === 'fails') {
          attempts += 1;
          throw new Error(`attempt ${attempts} failed`);
        }
        return 'ok';
      },
      { connection, prefix, autorun: false },
    );
    new QueueMetrics({ queues: () => [queue], workers: () => [worker!] } as unknown as JobQueues, metrics).onApplicationBootstrap();
    const settled = new Promise<void>((resolve) => {
      let events = 0;
      const done = () => (events += 1) === 3 && resolve();
      worker!.on('failed', done);
      worker!.on('completed', done);
    });
    await queue.add('fails', {}, { attempts: 2 });
    await queue.add('works', {});
    void worker.run();
    await settled;

    const text = await metrics.registry.metrics();
    expect(sample(text, 'job_failures_total', 'queue="metrics-probe",final="false"')).toBe(1);
    expect(sample(text, 'job_failures_total', 'queue="metrics-probe",final="true"')).toBe(1);
    expect(sample(text, 'job_retries_total', 'queue="metrics-probe"')).toBe(1);
    expect(sample(text, 'jobs_completed_total', 'queue="metrics-probe"')).toBe(1);
    expect(sample(text, 'job_duration_seconds_count', 'queue="metrics-probe",result="failed"')).toBe(2);
  });
});
