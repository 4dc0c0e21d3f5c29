import type { LmsrState } from './lmsr';
import type { MarketPosition } from './position';
import { poolLiability } from './pool';
import { PoolInvariantViolation } from './amm-errors';
import { UNIT_DECIMALS } from './amm-decimal';

/** Share units per share and USDC minor units paid per winning share: both 6 decimals. */
export const SHARE_UNITS_PER_SHARE = 10n ** BigInt(UNIT_DECIMALS);
export const PAYOUT_PER_SHARE = 10n ** BigInt(UNIT_DECIMALS);

/**
 * Resolution and cancellation are paid in batches, one position at a time, so each function here needs one
 * position only; the market-wide figures come from the maker's state and SQL sums, never from loading every
 * holder at once.
 */

/** What a position receives when `winningOutcome` wins: 1 USDC per whole share, i.e. one minor unit per share unit. */
export function resolutionPayout(position: Pick<MarketPosition, 'shares'>, winningOutcome: number): bigint {
  return (position.shares[winningOutcome] * PAYOUT_PER_SHARE) / SHARE_UNITS_PER_SHARE;
}

export interface ResolutionSettlement {
  /** Paid out to holders of the winning outcome in total (= its outstanding shares). */
  readonly totalPayout: bigint;
  /** What remains in the pool afterwards and returns to whoever funded the subsidy. */
  readonly funderReturn: bigint;
}

/** Market-wide split of the pool on resolution. Throws PoolInvariantViolation if the pool cannot pay. */
export function resolutionSettlement(state: LmsrState, poolBalance: bigint, winningOutcome: number): ResolutionSettlement {
  const totalPayout = (state.outstandingShares[winningOutcome] * PAYOUT_PER_SHARE) / SHARE_UNITS_PER_SHARE;
  if (totalPayout > poolBalance) {
    throw new PoolInvariantViolation(`Pool holds ${poolBalance} but owes ${totalPayout} to the winners`, {
      poolBalance,
      requiredBalance: poolLiability(state),
    });
  }
  return { totalPayout, funderReturn: poolBalance - totalPayout };
}

/**
 * What a position gets back when the market is cancelled: everything it paid (fees included) minus
 * everything it received. A trader who already took out more than they put in gets nothing and keeps the rest:
 * money paid out is never clawed back.
 */
export function cancellationRefund(position: Pick<MarketPosition, 'paid' | 'received'>): bigint {
  const net = position.paid - position.received;
  return net > 0n ? net : 0n;
}

export interface CancellationSettlement {
  /** Paid from the pool: the refunds first, then the subsidy. */
  readonly fromPool: bigint;
  /**
   * What the pool lacks to pay every refund and return the subsidy. The pool never held the fees (refunded too)
   * nor what traders who sold at a profit took out, so this is at least the fees collected; the service funds it
   * by reversing the market's fees and, for the profit taken, from the house.
   */
  readonly topUp: bigint;
  /** Returned to the subsidy funder: the subsidy, plus anything left in the pool (none when the books agree). */
  readonly funderReturn: bigint;
}

/** Market-wide split on cancellation; `totalRefunds` is the sum of cancellationRefund over all positions. */
export function cancellationSettlement(input: { poolBalance: bigint; subsidy: bigint; totalRefunds: bigint }): CancellationSettlement {
  const { poolBalance, subsidy, totalRefunds } = input;
  const needed = totalRefunds + subsidy;
  const topUp = needed > poolBalance ? needed - poolBalance : 0n;
  const leftover = poolBalance > needed ? poolBalance - needed : 0n;
  return { fromPool: poolBalance, topUp, funderReturn: subsidy + leftover };
}
