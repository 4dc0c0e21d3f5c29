import { Injectable, Logger } from '@nestjs/common';
import { Clock } from './clock';
import { EvmChain } from './evm-chain.service';
import { uuidToBytes32 } from './ids';
import { OperatorCallReverted, OperatorTransaction, OperatorTransactions } from './operator-transactions.service';

/** One payment out of the vault: `vault.withdraw(payoutId, to, amount)`, at most once per payoutId. */
export interface VaultPayment {
  /** The operator transaction's business id, e.g. `withdrawal:<id>` or `deposit-return:<id>`. */
  key: string;
  /** The on-chain withdrawal id (a UUID, as bytes32): the vault pays each one once. */
  payoutId: string;
  to: string;
  /** Token minor units (USDC: 6 decimals). */
  amount: bigint;
  /** Not mined this long after it was first broadcast: cancel it (its nonce goes to a 0-value self-transfer). */
  deadlineMs?: number;
}

export type PaymentProgress =
  | { state: 'paid'; txHash: string | null; blockNumber: number | null }
  /** Nothing was paid, and the stored transaction (if any) can no longer be mined. */
  | { state: 'failed'; reason: string }
  | { state: 'pending'; tx: OperatorTransaction };

export interface PayOptions {
  /** How long this call waits for the outcome before answering `pending` (call again later). */
  waitMs?: number;
  /** Called each time the payment is known to be broadcast (idempotent work only: it may run more than once). */
  onBroadcast?: (tx: OperatorTransaction) => Promise<unknown>;
}

/**
 * Pays out of the vault through the operator transactions, safe to call any number of times for the same payment,
 * from any process: with a stored transaction it only follows (and rebroadcasts) that one; without one it first
 * asks the vault whether `withdrawn(payoutId)` is already true, and only then signs. A payment is reported failed
 * only once its transaction reverted or lost its nonce to the cancellation and the vault says the id is unpaid.
 * Withdrawals use it, and the deposits module can send a deposit return the same way:
 * `pay({ key: 'deposit-return:<id>', payoutId: <id>, to, amount })`.
 */
@Injectable()
export class VaultPayouts {
  private readonly logger = new Logger(VaultPayouts.name);

  constructor(
    private readonly evm: EvmChain,
    private readonly operator: OperatorTransactions,
    private readonly clock: Clock,
  ) {}

  async pay(payment: VaultPayment, options: PayOptions = {}): Promise<PaymentProgress> {
    const payoutId = uuidToBytes32(payment.payoutId);
    let tx = await this.operator.find(payment.key);
    if (!tx) {
      if (await this.withdrawn(payoutId)) return this.paidWithoutUs(payment, payoutId);
      try {
        tx = await this.operator.prepare({ key: payment.key, to: this.evm.addresses.vault, data: this.withdrawCalldata(payoutId, payment.to, payment.amount) });
      } catch (error) {
        if (!(error instanceof OperatorCallReverted)) throw error;
        if (await this.withdrawn(payoutId)) return this.paidWithoutUs(payment, payoutId);
        return { state: 'failed', reason: `the vault refused it: ${error.reason}` };
      }
    }
    if (tx.status === 'SIGNED') await this.operator.broadcast(payment.key);
    // Said at once, not after the wait below: a caller shows the payment as sent while it waits for its confirmations.
    const current = (await this.operator.find(payment.key)) ?? tx;
    if (current.broadcastAt) await options.onBroadcast?.(current);
    const outcome = await this.operator.waitForOutcome(payment.key, options.waitMs ?? 30_000);
    if (outcome.tx.broadcastAt || outcome.state !== 'pending') await options.onBroadcast?.(outcome.tx);
    switch (outcome.state) {
      case 'confirmed':
        return { state: 'paid', txHash: outcome.tx.txHash, blockNumber: outcome.tx.blockNumber };
      case 'reverted':
      case 'replaced':
        if (await this.withdrawn(payoutId)) return this.paidWithoutUs(payment, payoutId);
        return {
          state: 'failed',
          reason: outcome.state === 'reverted' ? `reverted on chain (${outcome.tx.txHash})` : `not mined in time: its nonce went to a cancellation (${outcome.tx.txHash})`,
        };
      case 'pending': {
        const since = (outcome.tx.broadcastAt ?? outcome.tx.createdAt).getTime();
        if (payment.deadlineMs !== undefined && !outcome.mined && !outcome.cancelling && this.clock.now() - since > payment.deadlineMs) {
          await this.operator.cancel(payment.key);
        }
        return { state: 'pending', tx: outcome.tx };
      }
    }
  }

  /** The vault's own record: has this id been paid (by anyone)? */
  async withdrawn(payoutId: string): Promise<boolean> {
    return (await this.evm.vault.getFunction('withdrawn').staticCall(payoutId)) as boolean;
  }

  withdrawCalldata(payoutId: string, to: string, amount: bigint): string {
    return this.evm.vault.interface.encodeFunctionData('withdraw', [payoutId, to, amount]);
  }

  /** Paid, but not by a transaction of ours that we saw mined: the Withdrawn event names it (if it is recent enough to find). */
  private async paidWithoutUs(payment: VaultPayment, payoutId: string): Promise<PaymentProgress> {
    const head = await this.evm.blockNumber();
    const filter = this.evm.vault.filters.Withdrawn(payoutId);
    const logs = await this.evm.vault.queryFilter(filter, Math.max(0, head - this.evm.config!.logRange + 1), head);
    const log = logs.at(-1);
    this.logger.warn(`${payment.key}: the vault already paid ${payoutId}${log ? ` in ${log.transactionHash}` : ''}; not paying again`);
    return { state: 'paid', txHash: log?.transactionHash ?? null, blockNumber: log?.blockNumber ?? null };
  }
}
