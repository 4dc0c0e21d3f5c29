import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import { Queue } from 'bullmq';
import { withRequestId } from '../../common/request-context';

export const WITHDRAWALS_QUEUE = 'withdrawals';

/** `send`: pay a withdrawal. */
export interface WithdrawalJob {
  withdrawalId: string;
}

/** `return`: send an unassigned deposit back to its sender. */
export interface DepositReturnJob {
  depositId: string;
}

export type WithdrawalsQueueJob = WithdrawalJob | DepositReturnJob;

/** BullMQ refuses ':' in custom job ids. */
export function withdrawalJobId(withdrawalId: string): string {
  return `withdrawal-${withdrawalId}`;
}

export function depositReturnJobId(depositId: string): string {
  return `deposit-return-${depositId}`;
}

/**
 * Enqueues a withdrawal's send job (or a deposit's return job); the job id is the withdrawal's (the deposit's), so
 * enqueueing it again while it is queued, delayed or running adds nothing. A job that used up its attempts is
 * retried with fresh ones instead (BullMQ ignores `add()` for an id it still holds), so the sweep's backstop works
 * on it too.
 */
@Injectable()
export class WithdrawalJobs {
  private readonly logger = new Logger(WithdrawalJobs.name);

  constructor(@InjectQueue(WITHDRAWALS_QUEUE) private readonly queue: Queue<WithdrawalsQueueJob>) {}

  enqueue(withdrawalId: string): Promise<void> {
    return this.add('send', { withdrawalId }, withdrawalJobId(withdrawalId), `withdrawal ${withdrawalId}`);
  }

  enqueueReturn(depositId: string): Promise<void> {
    return this.add('return', { depositId }, depositReturnJobId(depositId), `return of deposit ${depositId}`);
  }

  private async add(name: 'send' | 'return', data: WithdrawalsQueueJob, jobId: string, what: string): Promise<void> {
    const existing = await this.queue.getJob(jobId);
    if (existing && (await existing.isFailed())) {
      try {
        await existing.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
        this.logger.warn(`retried failed job of ${what}`);
      } catch (error) {
        // Someone else retried or removed it meanwhile: queued again or gone, and the next enqueue adds it.
        this.logger.warn(`could not retry the job of ${what}: ${(error as Error).message}`);
      }
      return;
    }
    await this.queue.add(name, withRequestId(data), { jobId, attempts: 10, backoff: { type: 'exponential', delay: 2000 }, removeOnComplete: true, removeOnFail: 1000 });
  }
}
