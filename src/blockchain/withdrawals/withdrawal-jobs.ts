import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import { Queue } from 'bullmq';
import { withRequestId } from '../../common/request-context';

export const WITHDRAWALS_QUEUE = 'withdrawals';

export interface WithdrawalJob {
  withdrawalId: string;
}

/** BullMQ refuses ':' in custom job ids. */
export function withdrawalJobId(withdrawalId: string): string {
  return `withdrawal-${withdrawalId}`;
}

/**
 * Enqueues a withdrawal's send job; the job id is the withdrawal's, so enqueueing it again while it is queued,
 * delayed or running adds nothing. A job that used up its attempts is retried with fresh ones instead (BullMQ
 * ignores `add()` for an id it still holds), so the sweep's backstop works on it too.
 */
@Injectable()
export class WithdrawalJobs {
  private readonly logger = new Logger(WithdrawalJobs.name);

  constructor(@InjectQueue(WITHDRAWALS_QUEUE) private readonly queue: Queue<WithdrawalJob>) {}

  async enqueue(withdrawalId: string): Promise<void> {
    const jobId = withdrawalJobId(withdrawalId);
    const existing = await this.queue.getJob(jobId);
    if (existing && (await existing.isFailed())) {
      try {
        await existing.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
        this.logger.warn(`retried failed send job of withdrawal ${withdrawalId}`);
      } catch (error) {
        // Someone else retried or removed it meanwhile: queued again or gone, and the next enqueue adds it.
        this.logger.warn(`could not retry the send job of withdrawal ${withdrawalId}: ${(error as Error).message}`);
      }
      return;
    }
    await this.queue.add(
      'send',
      withRequestId({ withdrawalId }),
      { jobId, attempts: 10, backoff: { type: 'exponential', delay: 2000 }, removeOnComplete: true, removeOnFail: 1000 },
    );
  }
}
