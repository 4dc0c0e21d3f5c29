import { isUserTransactionResponse, TransactionResponse, UserTransactionResponse } from '@aptos-labs/ts-sdk';
import type { ObservedDeposit } from '../../accounts/deposits.service';
import { canonicalAddress } from '../../accounts/chain-address';
import { ALREADY_DRAWN_ABORT, CashMarketsModule } from './cash-markets-module';

/** A round's salt as the chain drew it: what the `aptos` salt source pins and the verify endpoint points to. */
export interface AptosSaltDraw {
  roundId: bigint;
  /** The drawn u256 as 64 lowercase hex digits (no 0x), like every other salt. */
  salt: string;
  /** The drawing transaction, 0x and 64 hex digits: anyone can look it up on an explorer. */
  txHash: string;
  /** The ledger version the transaction committed at. */
  version: bigint;
  /** When the draw happened: its transaction's timestamp (the block's, microseconds on chain; to the millisecond here). */
  drawnAt: Date;
}

/** Thrown when the node answers something a real fullnode would not: a bug or the wrong node, never retried quietly. */
export class UnexpectedAptosResponse extends Error {}

/** A u256 from the REST API (a decimal string) as 64 hex digits. */
export function saltHex(value: unknown): string {
  if (typeof value !== 'string' || !/^\d{1,78}$/.test(value)) throw new UnexpectedAptosResponse(`salt ${JSON.stringify(value)} is not a u256`);
  const salt = BigInt(value);
  if (salt >= 2n ** 256n) throw new UnexpectedAptosResponse(`salt ${value} is not a u256`);
  return salt.toString(16).padStart(64, '0');
}

export function committedUserTransaction(response: TransactionResponse, what: string): UserTransactionResponse {
  if (!isUserTransactionResponse(response)) throw new UnexpectedAptosResponse(`${what} is a ${response.type}, not a committed user transaction`);
  return response;
}

/** The `RoundSaltDrawn` of `roundId` in a successful transaction, or undefined. */
export function saltDrawIn(transaction: UserTransactionResponse, module: CashMarketsModule, roundId: bigint): AptosSaltDraw | undefined {
  if (!transaction.success) return undefined;
  const event = transaction.events.find((candidate) => candidate.type === module.roundSaltDrawnEvent && String((candidate.data as { round_id?: unknown }).round_id) === roundId.toString());
  if (!event) return undefined;
  return { roundId, salt: saltHex((event.data as { salt?: unknown }).salt), txHash: transaction.hash, version: BigInt(transaction.version), drawnAt: transactionTime(transaction) };
}

/** A committed transaction's timestamp (microseconds since the epoch, a decimal string in the REST API). */
export function transactionTime(transaction: UserTransactionResponse): Date {
  const { timestamp } = transaction;
  if (typeof timestamp !== 'string' || !/^\d{1,20}$/.test(timestamp)) throw new UnexpectedAptosResponse(`transaction ${transaction.hash} has timestamp ${JSON.stringify(timestamp)}, not microseconds`);
  return new Date(Number(BigInt(timestamp) / 1000n));
}

/** A failed draw that aborted because the round was drawn before (the first draw is then the answer). */
export function isAlreadyDrawnAbort(transaction: UserTransactionResponse): boolean {
  return !transaction.success && transaction.vm_status.includes('::round_salts') && new RegExp(`\\b${ALREADY_DRAWN_ABORT}\\b`).test(transaction.vm_status);
}

/**
 * The vault's `Deposited` events in a transaction, as deposits to credit. A failed transaction deposited nothing
 * (its events are discarded on chain too). Each event is identified by its index among the transaction's events.
 */
export function depositsIn(transaction: UserTransactionResponse, module: CashMarketsModule, chainId: number): ObservedDeposit[] {
  if (!transaction.success) return [];
  return transaction.events.flatMap((event, index): ObservedDeposit[] => {
    if (event.type !== module.depositedEvent) return [];
    const data = event.data as { account?: unknown; amount?: unknown };
    const fromAddress = typeof data.account === 'string' ? canonicalAddress('aptos', data.account) : undefined;
    if (!fromAddress || typeof data.amount !== 'string' || !/^\d{1,20}$/.test(data.amount) || BigInt(data.amount) === 0n) {
      throw new UnexpectedAptosResponse(`Deposited event ${index} of ${transaction.hash} is malformed: ${JSON.stringify(event.data)}`);
    }
    return [
      {
        chain: 'aptos',
        chainId: String(chainId),
        txHash: transaction.hash,
        logIndex: index,
        blockNumber: BigInt(transaction.version),
        blockHash: null,
        fromAddress,
        asset: 'USDC',
        amount: BigInt(data.amount),
      },
    ];
  });
}
