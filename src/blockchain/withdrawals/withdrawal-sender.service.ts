import { Injectable, Logger } from '@nestjs/common';
import { SETTLEMENT_ASSET } from '../../accounts/assets.service';
import { WithdrawalOrder, WithdrawalsService } from '../../accounts/withdrawals.service';
import { AppConfig } from '../../config/app-config';
import { EvmChain } from '../evm/evm-chain.service';
import { ForeignNetworkTransaction } from '../evm/operator-transactions.service';
import { VaultPayouts } from '../evm/vault-payouts.service';

export type SendResult =
  /** Nothing (more) to do here: finished, cancelled, not ours, or waiting for review. */
  | { state: 'done'; status: string }
  | { state: 'skipped'; reason: string }
  /** Broadcast, not final yet: look again later. */
  | { state: 'pending'; txHash: string };

export function withdrawalTxKey(withdrawalId: string): string {
  return `withdrawal:${withdrawalId}`;
}

/**
 * Sends one withdrawal from the vault: takes it (PENDING and approved → SENDING), pays it through VaultPayouts
 * (stored transaction first, the vault's `withdrawn(id)` checked before anything is signed), marks it SENT once
 * broadcast, then COMPLETED (the hold settled into the vault's ledger account) or FAILED once that is final. Each step starts from what PostgreSQL and the chain
 * say, so running it twice, concurrently, or again after a crash pays once.
 */
@Injectable()
export class WithdrawalSender {
  private readonly logger = new Logger(WithdrawalSender.name);

  constructor(
    private readonly withdrawals: WithdrawalsService,
    private readonly payouts: VaultPayouts,
    private readonly evm: EvmChain,
    private readonly config: AppConfig,
  ) {}

  /** Whether a withdrawal on `chain` in `asset` is this sender's to send. */
  sends(chain: string, asset: string): boolean {
    return this.evm.configured && chain === this.evm.config!.name && asset === SETTLEMENT_ASSET;
  }

  async send(withdrawalId: string, waitMs = 30_000): Promise<SendResult> {
    let order = await this.withdrawals.order(withdrawalId);
    if (!order) return { state: 'skipped', reason: 'no such withdrawal' };
    if (!this.sends(order.chain, order.asset)) return { state: 'skipped', reason: `not sent on this chain (${order.chain}, ${order.asset})` };
    if (order.status === 'PENDING') order = await this.withdrawals.claimForSending(withdrawalId);
    if (order.status !== 'SENDING' && order.status !== 'SENT') return { state: 'done', status: order.status };

    try {
      const progress = await this.payouts.pay(
        { key: withdrawalTxKey(order.id), payoutId: order.id, to: order.toAddress, amount: order.amount, deadlineMs: this.config.chains.withdrawalDeadlineMs },
        { waitMs, onBroadcast: (tx) => this.markSent(order, tx.txHash) },
      );
      switch (progress.state) {
        case 'paid':
          return { state: 'done', status: (await this.withdrawals.complete(order.id, progress.txHash, await this.evm.vaultChain())).status };
        case 'failed':
          this.logger.warn(`withdrawal ${order.id} failed: ${progress.reason}`);
          return { state: 'done', status: (await this.withdrawals.fail(order.id, progress.reason)).status };
        case 'pending':
          return { state: 'pending', txHash: progress.tx.txHash };
      }
    } catch (error) {
      // Sent on an earlier dev chain this server no longer runs on: it cannot be followed, and must not be paid again here.
      if (error instanceof ForeignNetworkTransaction) return { state: 'skipped', reason: error.message };
      throw error;
    }
  }

  private async markSent(order: WithdrawalOrder, txHash: string): Promise<void> {
    if (order.status === 'SENT' && order.txHash === txHash) return;
    Object.assign(order, await this.withdrawals.markSent(order.id, txHash));
  }
}
