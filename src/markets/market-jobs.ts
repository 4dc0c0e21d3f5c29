import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import { JobsOptions, Queue } from 'bullmq';
import { AppConfig } from '../config/app-config';
import { withRequestId } from '../common/request-context';
import { withinRedisTimeout } from '../redis/redis-ready';

export const MARKET_CLOSE_QUEUE = 'market-close';
export const MARKET_RESOLUTION_QUEUE = 'market-resolution';

/** Job ids: BullMQ refuses ':' in custom ids, so they are `<kind>-<marketId>[-<closesAt ms>]`. */
export function closeJobId(marketId: string, closesAt: Date): string {
  return `close-${marketId}-${closesAt.getTime()}`;
}

/** One job per market and expiry instant: GTD orders expiring together share it. */
export function orderExpiryJobId(marketId: string, expiresAt: Date): string {
  return `expire-${marketId}-${expiresAt.getTime()}`;
}

/** The close queue's job that expires a market's due GTD orders (its other jobs close markets). */
export const ORDER_EXPIRY_JOB = 'expire-orders';

export function settlementJobId(marketId: string): string {
  return `settle-${marketId}`;
}

/**
 * Enqueues the markets' lifecycle jobs. Both kinds are idempotent (the job re-reads the market under its
 * row lock), so enqueueing twice, or the cron sweep enqueueing what is already queued, is harmless.
 *
 * Job ids are deterministic, and BullMQ ignores `add()` for an id it still holds in any state, failed
 * included (failed jobs are kept, `removeOnFail`). So a job that exhausted its attempts is retried here
 * (attempts reset) instead of re-added; otherwise the sweep's backstop would never run it again.
 */
@Injectable()
export class MarketJobs {
  private readonly logger = new Logger('MarketJobs');

  private readonly jobOptions: JobsOptions;
  private readonly redisTimeoutMs: number;

  constructor(
    @InjectQueue(MARKET_CLOSE_QUEUE) private readonly closeQueue: Queue,
    @InjectQueue(MARKET_RESOLUTION_QUEUE) private readonly resolutionQueue: Queue,
    config: AppConfig,
  ) {
    this.redisTimeoutMs = config.redisCommandTimeoutMs;
    this.jobOptions = {
      removeOnComplete: true,
      removeOnFail: 1000,
      attempts: config.marketJobAttempts,
      backoff: { type: 'exponential', delay: config.marketJobBackoffMs },
    };
  }

  /** A delayed job at `closesAt`; when an admin extends it, the job for the old time is removed first. */
  async scheduleClose(marketId: string, closesAt: Date, previousClosesAt?: Date): Promise<void> {
    if (previousClosesAt) {
      await withinRedisTimeout(this.closeQueue.remove(closeJobId(marketId, previousClosesAt)), this.redisTimeoutMs, 'removing a close job').catch((error: Error) => {
        // Running or gone: the close job re-checks closesAt and does nothing early.
        this.logger.warn(`could not remove close job of market ${marketId}: ${error.message}`);
      });
    }
    await this.addOrRetry(this.closeQueue, 'close', marketId, {
      jobId: closeJobId(marketId, closesAt),
      delay: Math.max(0, closesAt.getTime() - Date.now()),
    });
  }

  /** A delayed job at `expiresAt` that expires the market's due GTD orders (and releases their holds). */
  async scheduleOrderExpiry(marketId: string, expiresAt: Date): Promise<void> {
    await this.addOrRetry(this.closeQueue, ORDER_EXPIRY_JOB, marketId, {
      jobId: orderExpiryJobId(marketId, expiresAt),
      delay: Math.max(0, expiresAt.getTime() - Date.now()),
    });
  }

  async enqueueSettlement(marketId: string): Promise<void> {
    await this.addOrRetry(this.resolutionQueue, 'settle', marketId, { jobId: settlementJobId(marketId) });
  }

  /**
   * Adds the job; if a job with that id exists and failed for good, retries it with fresh attempts. Callers are
   * often requests (create, resolve, cancel): bounded, so a Redis outage fails the enqueue in time (the sweep redoes it).
   */
  private addOrRetry(queue: Queue, name: string, marketId: string, options: JobsOptions & { jobId: string }): Promise<void> {
    return withinRedisTimeout(this.addOrRetryUnbounded(queue, name, marketId, options), this.redisTimeoutMs, `enqueueing ${options.jobId}`);
  }

  private async addOrRetryUnbounded(queue: Queue, name: string, marketId: string, options: JobsOptions & { jobId: string }): Promise<void> {
    const existing = await queue.getJob(options.jobId);
    if (existing && (await existing.isFailed())) {
      try {
        await existing.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
        this.logger.warn(`retried failed job ${options.jobId} of market ${marketId}`);
      } catch (error) {
        // Someone else retried or removed it in between: then it is queued again or gone, and the next call adds it.
        this.logger.warn(`could not retry failed job ${options.jobId}: ${(error as Error).message}`);
      }
      return;
    }
    await queue.add(name, withRequestId({ marketId }), { ...this.jobOptions, ...options });
  }
}
