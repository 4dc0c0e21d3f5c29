import { Processor } from '@nestjs/bullmq';
import { DelayedError, Job } from 'bullmq';
import { AppConfig } from '../../config/app-config';
import { JobWorker } from '../../lifecycle/job-worker';
import { DepositReturnSender } from './deposit-return-sender.service';
import { WITHDRAWALS_QUEUE, WithdrawalsQueueJob } from './withdrawal-jobs';
import { SendResult, WithdrawalSender } from './withdrawal-sender.service';

/** How long one run waits for a broadcast payment to become final before it lets the job wait delayed. */
const WAIT_IN_RUN_MS = 30_000;

/**
 * A run holds its job's lock while it waits for the chain; the lock is renewed every half `lockDuration`. Shorter
 * than BullMQ's 30 s so a payment whose worker died (killed between broadcast and confirmation) is picked up again
 * within about 15 s instead of a minute; running it twice is safe (WithdrawalSender pays once).
 */
const LOCK_MS = 10_000;

/**
 * `withdrawals`: sends one withdrawal (`send`, WithdrawalSender) or one deposit return (`return`,
 * DepositReturnSender). A payment still waiting for its confirmations moves the
 * job back to delayed (no attempt spent) to look again shortly; an error is retried with backoff.
 */
@Processor(WITHDRAWALS_QUEUE, { autorun: false, concurrency: 4, lockDuration: LOCK_MS, stalledInterval: LOCK_MS / 2 })
export class WithdrawalSendProcessor extends JobWorker {
  constructor(
    private readonly sender: WithdrawalSender,
    private readonly returns: DepositReturnSender,
    private readonly appConfig: AppConfig,
  ) {
    super(appConfig, 'WithdrawalSend', 'withdrawals worker');
  }

  async process(job: Job<WithdrawalsQueueJob>, token?: string): Promise<SendResult> {
    const data = job.data;
    const [what, result] =
      'depositId' in data
        ? [`return of deposit ${data.depositId}`, await this.returns.send(data.depositId, WAIT_IN_RUN_MS)]
        : [`withdrawal ${data.withdrawalId}`, await this.sender.send(data.withdrawalId, WAIT_IN_RUN_MS)];
    if (result.state === 'skipped') this.logger.warn(`${what} skipped: ${result.reason}`);
    if (result.state !== 'pending') return result;
    await job.moveToDelayed(Date.now() + Math.max(1000, (this.appConfig.chains.evm?.pollMs ?? 1000) * 2), token);
    throw new DelayedError();
  }
}
