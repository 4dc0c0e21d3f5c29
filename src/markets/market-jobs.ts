import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import { Queue } from 'bullmq';

export const MARKET_CLOSE_QUEUE = 'market-close';
export const MARKET_RESOLUTION_QUEUE = 'market-resolution';

const JOB_OPTIONS = { removeOnComplete: true, removeOnFail: 1000, attempts: 10, backoff: { type: 'exponential', delay: 1000 } };

/** Job ids: BullMQ refuses ':' in custom ids, so they are `<kind>-<marketId>[-<closesAt ms>]`. */
export function closeJobId(marketId: string, closesAt: Date): string {
  return `close-${marketId}-${closesAt.getTime()}`;
}

export function settlementJobId(marketId: string): string {
  return `settle-${marketId}`;
}

/**
 * Enqueues the markets' lifecycle jobs. Both kinds are idempotent (the job re-reads the market under its
 * row lock), so enqueueing twice, or the cron sweep enqueueing what is already queued, is harmless.
 */
@Injectable()
export class MarketJobs {
  private readonly logger = new Logger('MarketJobs');

  constructor(
    @InjectQueue(MARKET_CLOSE_QUEUE) private readonly closeQueue: Queue,
    @InjectQueue(MARKET_RESOLUTION_QUEUE) private readonly resolutionQueue: Queue,
  ) {}

  /** A delayed job at `closesAt`; when an admin extends it, the job for the old time is removed first. */
  async scheduleClose(marketId: string, closesAt: Date, previousClosesAt?: Date): Promise<void> {
    if (previousClosesAt) {
      await this.closeQueue.remove(closeJobId(marketId, previousClosesAt)).catch((error: Error) => {
        // Running or gone: the close job re-checks closesAt and does nothing early.
        this.logger.warn(`could not remove close job of market ${marketId}: ${error.message}`);
      });
    }
    await this.closeQueue.add(
      'close',
      { marketId },
      { ...JOB_OPTIONS, jobId: closeJobId(marketId, closesAt), delay: Math.max(0, closesAt.getTime() - Date.now()) },
    );
  }

  async enqueueSettlement(marketId: string): Promise<void> {
    await this.resolutionQueue.add('settle', { marketId }, { ...JOB_OPTIONS, jobId: settlementJobId(marketId) });
  }
}
