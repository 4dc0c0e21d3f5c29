import { SharesLocked, InsufficientShares, TradeTooSmall } from './creator-errors';

/**
 * The creator-share bonding curve, pure (no Nest, no database). The k-th share is worth k² / divisor USDC,
 * so the value of a supply s in USDC minor units is V(s) = floor(s(s+1)(2s+1)/6 · 10^6 / divisor). Buying n
 * at supply s costs V(s+n) − V(s) and selling n returns V(s) − V(s−n): a trade's price does not depend on how it
 * is split. Fees are basis points of that curve value, rounded up; what a seller receives is rounded down.
 */

const MINOR_PER_USDC = 1_000_000n;
const BPS = 10_000n;

export interface CurveRules {
  divisor: bigint;
  creatorFeeBps: bigint;
  platformFeeBps: bigint;
  /** Of the creator's fee, this part goes to their dividend pool (rounded down: the creator keeps the rounding). */
  dividendShareBps: bigint;
}

export interface ShareQuote {
  side: 'buy' | 'sell';
  shares: bigint;
  supplyBefore: bigint;
  supplyAfter: bigint;
  /** The curve's part: V(after) − V(before) for a buy, V(before) − V(after) for a sell; into or out of the reserve. */
  value: bigint;
  creatorFee: bigint;
  platformFee: bigint;
  /** The part of creatorFee that goes to the creator's dividend pool. */
  dividendFee: bigint;
  /** A buy's cost (value + fees), a sell's proceeds (value − fees). */
  total: bigint;
}

/** 1² + 2² + … + s². */
export function sumOfSquares(supply: bigint): bigint {
  if (supply < 0n) throw new Error(`supply must not be negative (got ${supply})`);
  return (supply * (supply + 1n) * (2n * supply + 1n)) / 6n;
}

/** V(s) in USDC minor units. */
export function curveValue(supply: bigint, divisor: bigint): bigint {
  return (sumOfSquares(supply) * MINOR_PER_USDC) / divisor;
}

/** What the reserve holds at a supply: every share but the creator's own first one was bought from the curve. */
export function reserveFor(supply: bigint, divisor: bigint): bigint {
  return curveValue(supply, divisor) - curveValue(1n, divisor);
}

/** A fee of `bps` on `amount`, rounded up. */
export function feeOf(amount: bigint, bps: bigint): bigint {
  return (amount * bps + BPS - 1n) / BPS;
}

/** The dividend pool's part of a creator's fee share, rounded down. */
export function dividendPartOf(creatorFee: bigint, dividendShareBps: bigint): bigint {
  return (creatorFee * dividendShareBps) / BPS;
}

function withFees(side: 'buy' | 'sell', supplyBefore: bigint, supplyAfter: bigint, shares: bigint, value: bigint, rules: CurveRules): ShareQuote {
  const creatorFee = feeOf(value, rules.creatorFeeBps);
  const platformFee = feeOf(value, rules.platformFeeBps);
  const total = side === 'buy' ? value + creatorFee + platformFee : value - creatorFee - platformFee;
  return { side, shares, supplyBefore, supplyAfter, value, creatorFee, platformFee, dividendFee: dividendPartOf(creatorFee, rules.dividendShareBps), total };
}

export function quoteBuy(supply: bigint, shares: bigint, rules: CurveRules): ShareQuote {
  if (shares <= 0n) throw new Error(`shares must be positive (got ${shares})`);
  const after = supply + shares;
  return withFees('buy', supply, after, shares, curveValue(after, rules.divisor) - curveValue(supply, rules.divisor), rules);
}

/** Throws InsufficientShares when the sell would take the supply below 1, TradeTooSmall when fees take it all. */
export function quoteSell(supply: bigint, shares: bigint, rules: CurveRules): ShareQuote {
  if (shares <= 0n) throw new Error(`shares must be positive (got ${shares})`);
  const after = supply - shares;
  if (after < 1n) throw new InsufficientShares(`Cannot sell ${shares} shares: the supply is ${supply} and never falls below 1`, { shares: shares.toString(), supply: supply.toString() });
  const quote = withFees('sell', supply, after, shares, curveValue(supply, rules.divisor) - curveValue(after, rules.divisor), rules);
  if (quote.total <= 0n) throw new TradeTooSmall(`Selling ${shares} shares would return nothing after fees`);
  return quote;
}

/** The price of the next share bought (minor units): V(s+1) − V(s). */
export function nextSharePrice(supply: bigint, divisor: bigint): bigint {
  return curveValue(supply + 1n, divisor) - curveValue(supply, divisor);
}

export interface Lot {
  id: string;
  remaining: bigint;
  lockedUntil: Date;
}

/** Shares taken from each lot by a sell. */
export interface LotTake {
  id: string;
  shares: bigint;
}

/**
 * Which lots a sell of `shares` consumes: the oldest unlocked first (by lockedUntil, then id). InsufficientShares
 * when the lots hold fewer; SharesLocked when they hold enough but not enough of them are unlocked at `now`.
 */
export function takeFromLots(lots: readonly Lot[], shares: bigint, now: Date): LotTake[] {
  const held = lots.reduce((sum, lot) => sum + lot.remaining, 0n);
  if (held < shares) {
    throw new InsufficientShares(`Cannot sell ${shares} shares: ${held} are held for sale`, { shares: shares.toString(), held: held.toString() });
  }
  const unlocked = [...lots]
    .filter((lot) => lot.remaining > 0n && lot.lockedUntil.getTime() <= now.getTime())
    .sort((a, b) => a.lockedUntil.getTime() - b.lockedUntil.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const free = unlocked.reduce((sum, lot) => sum + lot.remaining, 0n);
  if (free < shares) {
    const next = lots
      .filter((lot) => lot.remaining > 0n && lot.lockedUntil.getTime() > now.getTime())
      .reduce<Date | undefined>((soonest, lot) => (!soonest || lot.lockedUntil < soonest ? lot.lockedUntil : soonest), undefined);
    throw new SharesLocked(`Cannot sell ${shares} shares yet: ${free} are unlocked, the next unlock is at ${next!.toISOString()}`, {
      shares: shares.toString(),
      unlocked: free.toString(),
      nextUnlockAt: next!.toISOString(),
    });
  }
  const takes: LotTake[] = [];
  let left = shares;
  for (const lot of unlocked) {
    if (left === 0n) break;
    const take = lot.remaining < left ? lot.remaining : left;
    takes.push({ id: lot.id, shares: take });
    left -= take;
  }
  return takes;
}
