import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import { JobsOptions, Queue } from 'bullmq';
import { AppConfig } from '../config/app-config';
import { withRequestId } from '../common/request-context';

export const DIVIDENDS_QUEUE = 'dividends';

export interface DividendJobData {
  /** The period's start, ISO 8601. */
  period: string;
}

/** BullMQ refuses ':' in custom ids: `dividends-<period start in epoch seconds>`. */
export function dividendJobId(period: Date): string {
  return `dividends-${Math.floor(period.getTime() / 1000)}`;
}

/**
 * Enqueues the `dividends` job of a period. The job is idempotent (keyed by creator and period inside), so
 * enqueueing twice, from the cron on several workers or an admin, is harmless; a job that used up its attempts
 * is retried with fresh ones instead (BullMQ ignores `add()` for an id it still holds).
 */
@Injectable()
export class DividendJobs {
  private readonly logger = new Logger('DividendJobs');
  private readonly jobOptions: JobsOptions;

  constructor(
    @InjectQueue(DIVIDENDS_QUEUE) private readonly queue: Queue<DividendJobData>,
    config: AppConfig,
  ) {
    this.jobOptions = {
      removeOnComplete: 1000,
      removeOnFail: 1000,
      attempts: config.marketJobAttempts,
      backoff: { type: 'exponential', delay: config.marketJobBackoffMs },
    };
  }

  /** `rerun`: a completed job of that id is removed first, so an admin can run a period again (it pays only the unpaid). */
  async enqueue(period: Date, { rerun = false } = {}): Promise<void> {
    const jobId = dividendJobId(period);
    const existing = await this.queue.getJob(jobId);
    if (existing && (await existing.isFailed())) {
      try {
        await existing.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
        this.logger.warn(`retried failed dividend job ${jobId}`);
      } catch (error) {
        this.logger.warn(`could not retry failed job ${jobId}: ${(error as Error).message}`);
      }
      return;
    }
    if (existing && rerun && (await existing.isCompleted())) await existing.remove().catch(() => undefined);
    await this.queue.add('pay', withRequestId({ period: period.toISOString() }), { ...this.jobOptions, jobId });
  }
}
