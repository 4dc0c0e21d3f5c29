import { Injectable, Logger } from '@nestjs/common';
import { SETTLEMENT_ASSET } from '../../accounts/assets.service';
import { DepositReturnOrder, DepositReviewService } from '../../accounts/deposit-review.service';
import { AppConfig } from '../../config/app-config';
import { EvmChain } from '../evm/evm-chain.service';
import { ForeignNetworkTransaction } from '../evm/operator-transactions.service';
import { VaultPayouts } from '../evm/vault-payouts.service';
import type { SendResult } from './withdrawal-sender.service';

/** Each return request of a deposit is its own operator transaction; the vault pays the deposit's id once in all. */
export function depositReturnTxKey(depositId: string, attempt: number): string {
  return `deposit-return:${depositId}:${attempt}`;
}

/**
 * Sends an unassigned deposit back to the address it came from, once an admin asked for it (RETURN_REQUESTED):
 * `vault.withdraw(depositId, fromAddress, amount)` through VaultPayouts, like a withdrawal (stored transaction
 * first, the vault's `withdrawn(depositId)` asked before anything is signed), then RETURNED (the hold in
 * `unassigned-deposits` settled into the vault's ledger account) or, when nothing was paid, UNASSIGNED again.
 * Safe to run twice, concurrently or after a crash: it pays a deposit back at most once.
 */
@Injectable()
export class DepositReturnSender {
  private readonly logger = new Logger(DepositReturnSender.name);

  constructor(
    private readonly review: DepositReviewService,
    private readonly payouts: VaultPayouts,
    private readonly evm: EvmChain,
    private readonly config: AppConfig,
  ) {}

  /** Whether deposits on `chain` are this sender's to return. */
  sends(chain: string): boolean {
    return this.evm.configured && chain === this.evm.config!.name;
  }

  async send(depositId: string, waitMs = 30_000): Promise<SendResult> {
    const order = await this.review.returnOrder(depositId);
    if (!order) return { state: 'skipped', reason: 'no such deposit' };
    if (order.status !== 'RETURN_REQUESTED') return { state: 'done', status: order.status };
    const refusal = await this.refusal(order);
    if (refusal) return { state: 'skipped', reason: refusal };

    try {
      const progress = await this.payouts.pay({
        key: depositReturnTxKey(order.id, order.attempt),
        payoutId: order.id,
        to: order.toAddress,
        amount: order.amount,
        deadlineMs: this.config.chains.withdrawalDeadlineMs,
      }, { waitMs });
      switch (progress.state) {
        case 'paid':
          return { state: 'done', status: (await this.review.markReturned(order.id, progress.txHash)).status };
        case 'failed':
          this.logger.warn(`return of deposit ${order.id} failed: ${progress.reason}`);
          return { state: 'done', status: (await this.review.markReturnFailed(order.id, progress.reason)).status };
        case 'pending':
          return { state: 'pending', txHash: progress.tx.txHash };
      }
    } catch (error) {
      if (error instanceof ForeignNetworkTransaction) return { state: 'skipped', reason: error.message };
      throw error;
    }
  }

  /** Why this server cannot return it: another chain, another history of this one, or not the vault's token. */
  private async refusal(order: DepositReturnOrder): Promise<string | undefined> {
    if (!this.sends(order.chain) || order.asset !== SETTLEMENT_ASSET) return `not returned on this chain (${order.chain}, ${order.asset})`;
    const here = await this.evm.vaultChain();
    if (order.chainId !== here.chainId || order.chainEpoch !== here.chainEpoch) return `deposited on another history of ${order.chain} (${order.chainId}, ${order.chainEpoch.slice(0, 10)}…)`;
    return undefined;
  }
}
