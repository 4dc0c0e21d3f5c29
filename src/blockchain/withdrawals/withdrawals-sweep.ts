import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Cron, CronExpression } from '@nestjs/schedule';
import { WithdrawalUpdatedEvent } from '../../accounts/accounts.events';
import { DepositReviewService } from '../../accounts/deposit-review.service';
import { DepositReturnRequestedEvent } from '../../accounts/deposits.events';
import { WithdrawalsService } from '../../accounts/withdrawals.service';
import { OnDomainEvent } from '../../common/events/on-domain-event.decorator';
import { AppConfig } from '../../config/app-config';
import { runsJobs } from '../../lifecycle/job-worker';
import { EvmChain } from '../evm/evm-chain.service';
import { DepositReturnSender } from './deposit-return-sender.service';
import { WithdrawalJobs } from './withdrawal-jobs';
import { WithdrawalSender } from './withdrawal-sender.service';

/**
 * Puts withdrawals on the `withdrawals` queue: each one cleared to send, as soon as it is (requested under the
 * review threshold, or approved); and, at boot and every minute, every one the sender has not finished (approved
 * PENDING, SENDING, SENT), so a restart or a lost enqueue resumes it. Deposit returns the same way: each one as
 * soon as an admin requests it, and every RETURN_REQUESTED one at boot and every minute. It only enqueues; the
 * job does the work.
 */
@Injectable()
export class WithdrawalsSweep implements OnApplicationBootstrap {
  private readonly logger = new Logger(WithdrawalsSweep.name);

  constructor(
    private readonly withdrawals: WithdrawalsService,
    private readonly sender: WithdrawalSender,
    private readonly reviews: DepositReviewService,
    private readonly returns: DepositReturnSender,
    private readonly jobs: WithdrawalJobs,
    private readonly evm: EvmChain,
    private readonly config: AppConfig,
  ) {}

  @OnDomainEvent('withdrawal.updated')
  onUpdated(event: WithdrawalUpdatedEvent): void {
    const { withdrawal } = event;
    if (withdrawal.status !== 'PENDING' || withdrawal.approvedAt === null || !this.sender.sends(withdrawal.chain, withdrawal.asset)) return;
    // A lost enqueue is picked up by the sweep.
    this.jobs.enqueue(withdrawal.id).catch((error: unknown) => this.logger.warn(`could not enqueue withdrawal ${withdrawal.id}: ${(error as Error).message}`));
  }

  @OnDomainEvent('deposit.return-requested')
  onReturnRequested(event: DepositReturnRequestedEvent): void {
    if (!this.returns.sends(event.chain)) return;
    this.jobs.enqueueReturn(event.depositId).catch((error: unknown) => this.logger.warn(`could not enqueue the return of deposit ${event.depositId}: ${(error as Error).message}`));
  }

  onApplicationBootstrap(): void {
    // Not awaited: boot does not wait for Redis round trips per withdrawal.
    void this.sweep().catch((error: unknown) => this.logger.error(`withdrawal sweep at boot failed: ${(error as Error).message}`));
  }

  @Cron(CronExpression.EVERY_MINUTE, { name: 'withdrawals-sweep' })
  async sweep(): Promise<number> {
    if (!runsJobs(this.config) || !this.evm.configured) return 0;
    const ids = await this.withdrawals.inFlightOn(this.evm.config!.name);
    for (const id of ids) await this.jobs.enqueue(id);
    if (ids.length > 0) this.logger.log(`enqueued ${ids.length} unfinished withdrawals`);
    const returns = await this.reviews.returnsToSendOn(this.evm.config!.name);
    for (const id of returns) await this.jobs.enqueueReturn(id);
    if (returns.length > 0) this.logger.log(`enqueued ${returns.length} deposit returns`);
    return ids.length + returns.length;
  }
}
