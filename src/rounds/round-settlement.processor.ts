import { InjectQueue, Processor } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { Job, Queue } from 'bullmq';
import { AppConfig } from '../config/app-config';
import { JobWorker, PAYOUT_JOB_LOCK } from '../lifecycle/job-worker';
import { RoundSettlementService, SettlementOutcome } from './round-settlement.service';
import { withRequestId } from '../common/request-context';

export const ROUND_SETTLEMENT_QUEUE = 'round-settlement';

export interface RoundSettlementJob {
  roundId: string;
}

/**
 * Enqueues settlement; the job id is the round id, so enqueuing twice adds one job. BullMQ ignores
 * `add()` for a job id it still holds in any state, failed included, so a job that used up its
 * attempts is retried instead: that is what lets the engine's backstop (`enqueueUnsettled`) settle
 * a round whose settlement once failed for good.
 */
@Injectable()
export class RoundSettlementQueue {
  constructor(@InjectQueue(ROUND_SETTLEMENT_QUEUE) private readonly queue: Queue<RoundSettlementJob>) {}

  async enqueue(roundId: string): Promise<void> {
    const existing = await this.queue.getJob(roundId);
    if (existing && (await existing.isFailed())) {
      try {
        // With its attempts reset, so it gets the same retries as a fresh job.
        await existing.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
        return;
      } catch (error) {
        // Another enqueue retried it (or it was removed) in between: add() below is then a no-op or adds it afresh.
        if (await existing.isFailed()) throw error;
      }
    }
    await this.queue.add(
      'settle',
      withRequestId({ roundId }),
      { jobId: roundId, attempts: 10, backoff: { type: 'exponential', delay: 500 }, removeOnComplete: 1000, removeOnFail: 1000 },
    );
  }
}

/** Runs on worker/all instances; the settlement itself is idempotent (see RoundSettlementService). */
@Processor(ROUND_SETTLEMENT_QUEUE, { autorun: false, concurrency: 2, ...PAYOUT_JOB_LOCK })
export class RoundSettlementProcessor extends JobWorker {
  constructor(
    private readonly settlement: RoundSettlementService,
    config: AppConfig,
  ) {
    super(config, 'RoundSettlementJob', 'round-settlement worker');
  }

  process(job: Job<RoundSettlementJob>): Promise<SettlementOutcome> {
    return this.settlement.settle(job.data.roundId);
  }
}
