import type { Bucket } from './ledger-entry.entity';

/**
 * The pure heart of a posting: given the locked balances of the accounts involved and a list of
 * signed movements, compute each entry's balance-after, the new cached balances, and whether any
 * user account would go below zero. No I/O here, so it is unit- and property-tested directly.
 */

export interface Balances {
  available: bigint;
  locked: bigint;
}

export interface LockedAccount extends Balances {
  id: string;
  /** User accounts may not go negative; system accounts may (promotions, house P&L). */
  mustStayNonNegative: boolean;
}

export interface ResolvedMovement {
  accountId: string;
  bucket: Bucket;
  /** Signed minor units: positive adds to the bucket. */
  amount: bigint;
}

export interface ComputedEntry extends ResolvedMovement {
  balanceAfter: bigint;
}

export interface Shortfall {
  accountId: string;
  bucket: Bucket;
  balance: bigint;
  /** How much the posting takes out of the bucket in total. */
  required: bigint;
}

export interface ComputedPosting {
  entries: ComputedEntry[];
  /** New balances of every account touched. */
  balances: Map<string, Balances>;
  /** Non-empty when a user account would end below zero: the posting must not be written. */
  shortfalls: Shortfall[];
}

/** A posting must move money, not create it: movements are non-zero and sum to zero. */
export function movementProblem(amounts: bigint[]): string | undefined {
  if (amounts.length < 2) return 'a posting needs at least two movements';
  if (amounts.some((amount) => amount === 0n)) return 'a movement of zero is not allowed';
  const sum = amounts.reduce((total, amount) => total + amount, 0n);
  if (sum !== 0n) return `movements sum to ${sum}, not zero`;
  return undefined;
}

export function computePosting(accounts: Map<string, LockedAccount>, movements: ResolvedMovement[]): ComputedPosting {
  const balances = new Map<string, Balances>();
  const taken = new Map<string, bigint>();
  const entries = movements.map((movement) => {
    const account = accounts.get(movement.accountId);
    if (!account) throw new Error(`account ${movement.accountId} was not locked for this posting`);
    const current = balances.get(movement.accountId) ?? { available: account.available, locked: account.locked };
    const next = { ...current, [movement.bucket]: current[movement.bucket] + movement.amount };
    balances.set(movement.accountId, next);
    if (movement.amount < 0n) {
      const key = `${movement.accountId}/${movement.bucket}`;
      taken.set(key, (taken.get(key) ?? 0n) - movement.amount);
    }
    return { ...movement, balanceAfter: next[movement.bucket] };
  });

  const shortfalls: Shortfall[] = [];
  for (const [accountId, next] of balances) {
    const account = accounts.get(accountId)!;
    if (!account.mustStayNonNegative) continue;
    for (const bucket of ['available', 'locked'] as const) {
      if (next[bucket] < 0n) {
        shortfalls.push({ accountId, bucket, balance: account[bucket], required: taken.get(`${accountId}/${bucket}`) ?? 0n });
      }
    }
  }
  return { entries, balances, shortfalls };
}

/** One posting of a sequence: its movements, and its idempotency key when it has one. */
export interface SequencedPosting {
  idempotencyKey?: string;
  movements: ResolvedMovement[];
}

/** What became of one posting of a sequence. */
export type SequenceStep =
  /** It fits: `computed` holds its entries and the balances right after it (its shortfalls are empty). */
  | { outcome: 'posted'; computed: ComputedPosting }
  /** A user account would end below zero: it moves nothing, and the postings after it do not see it. */
  | { outcome: 'refused'; shortfall: Shortfall }
  /** An earlier posting of the sequence, at index `of`, was posted with the same idempotency key: this one replays it. */
  | { outcome: 'duplicate'; of: number };

export interface ComputedSequence {
  steps: SequenceStep[];
  /** Balances at the end of the sequence of every account a posted step touched: what the cached balances become. */
  balances: Map<string, Balances>;
}

/**
 * Many postings applied in order against running balances, as if each were posted alone one after the
 * other: a posting sees the effects of the posted ones before it, a refused one changes nothing, and a
 * posting whose key an earlier posted one carries is a duplicate (a refused one claims no key).
 */
export function computeSequence(accounts: Map<string, LockedAccount>, postings: SequencedPosting[]): ComputedSequence {
  const running = new Map(accounts);
  const balances = new Map<string, Balances>();
  const postedKeys = new Map<string, number>();
  const steps = postings.map((posting, index): SequenceStep => {
    const earlier = posting.idempotencyKey === undefined ? undefined : postedKeys.get(posting.idempotencyKey);
    if (earlier !== undefined) return { outcome: 'duplicate', of: earlier };
    const computed = computePosting(running, posting.movements);
    if (computed.shortfalls.length > 0) return { outcome: 'refused', shortfall: computed.shortfalls[0] };
    for (const [accountId, next] of computed.balances) {
      running.set(accountId, { ...running.get(accountId)!, ...next });
      balances.set(accountId, next);
    }
    if (posting.idempotencyKey !== undefined) postedKeys.set(posting.idempotencyKey, index);
    return { outcome: 'posted', computed };
  });
  return { steps, balances };
}

/** FNV-1a: a cheap, stable spread of ids over shards. */
export function shardOf(seed: string, shards: number): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < seed.length; index++) {
    hash ^= seed.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % shards;
}
