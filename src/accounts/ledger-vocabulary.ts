import type { Bucket } from './ledger-entry.entity';

/**
 * What a posting is made of (account references, movements, the posting itself) and `Postings`, the builders
 * of the usual ones. Pure: a venue builds Posting values here and hands them to `LedgerService.post` or, many
 * in one transaction, to `LedgerService.postBatch`; the ledger's single verbs (`hold`, `debit`, ...) are these
 * builders posted alone.
 */

/** A user's account, or a system account by key (`house`, `fees`, `market-pool:<marketId>`, ...). */
export type AccountRef = { userId: string } | { system: string };

/** System accounts every venue shares. Per-entity ones (pools, pots) are built from the entity id. */
export const SystemAccount = {
  house: { system: 'house' },
  fees: { system: 'fees' },
  promotions: { system: 'promotions' },
  adjustments: { system: 'adjustments' },
  /** Kept for the rows that named it: payments out of a vault now settle into that vault's account (`chainVault`). */
  chainInTransit: { system: 'chain-in-transit' },
  /**
   * One vault on one chain history (`vault:dev:31337:<genesis hash>`, `vault:aptos:1`, see deposit-postings.ts):
   * deposits are credited out of it and money paid out of that vault goes back into it, so minus its balance is
   * what the ledger says the vault holds for its users (reconciled against the vault's token balance).
   */
  chainVault: (vaultKey: string): { system: string } => ({ system: `vault:${vaultKey}` }),
  /** Confirmed deposits from addresses no user has, held until an admin assigns or returns them. */
  unassignedDeposits: { system: 'unassigned-deposits' },
  marketPool: (marketId: string): AccountRef => ({ system: `market-pool:${marketId}` }),
  roundPot: (roundId: string): AccountRef => ({ system: `round-pot:${roundId}` }),
} as const;

/**
 * Touched by trades of every user, so each is spread over LEDGER_SYSTEM_SHARDS rows: a posting locks
 * whichever shard no one else holds (SKIP LOCKED), and their sum is the account's balance.
 */
export const SHARDED_SYSTEM_ACCOUNTS: ReadonlySet<string> = new Set(['house', 'fees', 'promotions']);

export interface Movement {
  account: AccountRef;
  bucket: Bucket;
  /** Signed minor units: positive adds to the bucket. */
  amount: bigint;
}

export interface PostingMeta {
  /** What happened, e.g. `withdrawal.hold`, `round.payout`, `trade.fee`. */
  kind: string;
  /** What caused it, e.g. `withdrawal:<id>`. */
  reference: string;
  /** Default: the settlement asset (USDC). */
  asset?: string;
  /** Unique business id: posting it again moves nothing and returns the first transaction (`replayed`). */
  idempotencyKey?: string;
  /**
   * The key is made from a row the caller inserted in this same transaction, so it cannot have been posted
   * before: the lookup is skipped. The write still refuses a duplicate key, which then replays as usual.
   */
  freshKey?: boolean;
  memo?: string;
  /**
   * The request that caused it, when a batch posts for several requests at once (a venue's batch): its balance
   * events are recorded in that request's context, so their broadcasts name it. Not stored.
   */
  requestId?: string;
}

export interface Posting extends PostingMeta {
  movements: Movement[];
}

/** The vocabulary takes magnitudes; a negative amount would silently reverse a hold into a release. */
export function positive(amount: bigint, what = 'amount'): bigint {
  if (amount <= 0n) throw new Error(`Ledger ${what} must be positive (got ${amount})`);
  return amount;
}

function notNegative(amount: bigint, what: string): bigint {
  if (amount < 0n) throw new Error(`Ledger ${what} must not be negative (got ${amount})`);
  return amount;
}

/** The posting's own fields of `meta`, without a builder's extras (`from`, `to`, `fee`, ...). */
function postingMeta({ kind, reference, asset, idempotencyKey, freshKey, memo, requestId }: PostingMeta): PostingMeta {
  return { kind, reference, asset, idempotencyKey, freshKey, memo, requestId };
}

const withMovements = (meta: PostingMeta, movements: Movement[]): Posting => ({ ...postingMeta(meta), movements });

/** Builders of the usual postings. Amounts are magnitudes in minor units; each throws on a negative or zero one. */
export const Postings = {
  /** System → user, into available (payouts, deposits, promotions). */
  credit(userId: string, amount: bigint, meta: PostingMeta & { from: AccountRef }): Posting {
    positive(amount);
    return withMovements(meta, [
      { account: meta.from, bucket: 'available', amount: -amount },
      { account: { userId }, bucket: 'available', amount },
    ]);
  },

  /** User → system from available (stakes, purchases), with an optional fee to `fees`. */
  debit(userId: string, amount: bigint, meta: PostingMeta & { to: AccountRef; fee?: bigint }): Posting {
    positive(amount);
    const fee = notNegative(meta.fee ?? 0n, 'fee');
    const movements: Movement[] = [
      { account: { userId }, bucket: 'available', amount: -(amount + fee) },
      { account: meta.to, bucket: 'available', amount },
    ];
    if (fee > 0n) movements.push({ account: SystemAccount.fees, bucket: 'available', amount: fee });
    return withMovements(meta, movements);
  },

  /** available → locked on one account (margin, open orders, pending withdrawals). */
  hold(account: AccountRef, amount: bigint, meta: PostingMeta): Posting {
    positive(amount);
    return withMovements(meta, [
      { account, bucket: 'available', amount: -amount },
      { account, bucket: 'locked', amount },
    ]);
  },

  /**
   * A position's open: `margin` from the user's available into locked and `fee` from available to `fees`,
   * as one transaction (the user needs margin + fee available). A zero fee is a plain hold.
   */
  holdWithFee(userId: string, margin: bigint, fee: bigint, meta: PostingMeta): Posting {
    positive(margin, 'margin');
    notNegative(fee, 'fee');
    const movements: Movement[] = [
      { account: { userId }, bucket: 'available', amount: -(margin + fee) },
      { account: { userId }, bucket: 'locked', amount: margin },
    ];
    if (fee > 0n) movements.push({ account: SystemAccount.fees, bucket: 'available', amount: fee });
    return withMovements(meta, movements);
  },

  /** locked → available on one account (cancelled order or withdrawal). */
  release(account: AccountRef, amount: bigint, meta: PostingMeta): Posting {
    positive(amount);
    return withMovements(meta, [
      { account, bucket: 'locked', amount: -amount },
      { account, bucket: 'available', amount },
    ]);
  },

  /**
   * A winning close: the user's `released` hold back to available, plus `credit` from `from` (the house pays
   * the profit) into available, as one transaction. A zero credit is a plain release.
   */
  releaseWithCredit(userId: string, released: bigint, credit: bigint, meta: PostingMeta & { from: AccountRef }): Posting {
    positive(released, 'released amount');
    notNegative(credit, 'credit');
    const movements: Movement[] = [
      { account: { userId }, bucket: 'locked', amount: -released },
      { account: { userId }, bucket: 'available', amount: released },
    ];
    if (credit > 0n) {
      movements.push({ account: meta.from, bucket: 'available', amount: -credit }, { account: { userId }, bucket: 'available', amount: credit });
    }
    return withMovements(meta, movements);
  },

  /** locked on `account` → available on `to` (a filled order pays its pool, a liquidated margin goes to the house). */
  settleHold(account: AccountRef, amount: bigint, meta: PostingMeta & { to: AccountRef }): Posting {
    positive(amount);
    return withMovements(meta, [
      { account, bucket: 'locked', amount: -amount },
      { account: meta.to, bucket: 'available', amount },
    ]);
  },

  /**
   * Closes a `margin` hold with profit or loss `pnl` against `counterparty` (the house), as one transaction:
   * a profit is `releaseWithCredit(margin, pnl)`; a loss settles `-pnl` of the hold to the counterparty and
   * releases the rest (a loss of the whole margin is `settleHold`). A loss beyond the margin is refused (thrown):
   * the caller caps it (liquidation) before it gets here.
   */
  closeHold(userId: string, margin: bigint, pnl: bigint, meta: PostingMeta & { counterparty: AccountRef }): Posting {
    positive(margin, 'margin');
    if (pnl >= 0n) return Postings.releaseWithCredit(userId, margin, pnl, { ...meta, from: meta.counterparty });
    const loss = -pnl;
    if (loss > margin) throw new Error(`Ledger loss ${loss} exceeds the margin ${margin} it is settled from`);
    if (loss === margin) return Postings.settleHold({ userId }, margin, { ...meta, to: meta.counterparty });
    return withMovements(meta, [
      { account: { userId }, bucket: 'locked', amount: -margin },
      { account: meta.counterparty, bucket: 'available', amount: loss },
      { account: { userId }, bucket: 'available', amount: margin - loss },
    ]);
  },

  /** available → available between any two accounts. */
  transfer(from: AccountRef, to: AccountRef, amount: bigint, meta: PostingMeta): Posting {
    positive(amount);
    return withMovements(meta, [
      { account: from, bucket: 'available', amount: -amount },
      { account: to, bucket: 'available', amount },
    ]);
  },
};
