import { PoolInvariantViolation } from './amm-errors';
import type { AmmFill, LmsrState } from './lmsr';

/**
 * The market's pool account holds the subsidy plus the net cash trades put in. Whatever outcome wins, it
 * must pay every outstanding share of it, so at every moment: poolBalance >= max_i outstandingShares[i].
 */

/** The most the pool may have to pay: the outstanding shares of the outcome with the most of them. */
export function poolLiability(state: LmsrState): bigint {
  return state.outstandingShares.reduce((max, shares) => (shares > max ? shares : max), 0n);
}

/** The pool's balance once a fill is booked: buys add amount - fee, sells remove the gross proceeds. */
export function poolBalanceAfter(poolBalance: bigint, fill: AmmFill): bigint {
  return poolBalance + fill.poolDelta;
}

export interface PoolInvariantCheck {
  readonly holds: boolean;
  readonly poolBalance: bigint;
  readonly requiredBalance: bigint;
  /** poolBalance - requiredBalance; negative when the invariant is broken. */
  readonly surplus: bigint;
}

export function checkPoolInvariant(state: LmsrState, poolBalance: bigint): PoolInvariantCheck {
  const requiredBalance = poolLiability(state);
  const surplus = poolBalance - requiredBalance;
  return { holds: surplus >= 0n, poolBalance, requiredBalance, surplus };
}

/** Throws PoolInvariantViolation (a bug, answered as 500) when the pool could not pay the worst outcome. */
export function assertPoolInvariant(state: LmsrState, poolBalance: bigint): void {
  const check = checkPoolInvariant(state, poolBalance);
  if (!check.holds) {
    throw new PoolInvariantViolation(`Pool holds ${poolBalance} but may owe ${check.requiredBalance}`, {
      poolBalance,
      requiredBalance: check.requiredBalance,
    });
  }
}
