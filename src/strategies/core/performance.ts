import { Decimal } from 'decimal.js';
import { winRate } from './session';

/** One round of a strategy's record, USDC minor units: what live rows and backtest rounds both reduce to. */
export interface PerformanceRound {
  pnl: bigint;
  wagered: bigint;
  fees: bigint;
  trades: number;
}

/** A strategy's figures over a series of rounds. Money in minor units; ratios as fixed-precision decimal strings. */
export interface Performance {
  startingBalance: bigint;
  endingBalance: bigint;
  roundsPlayed: number;
  /** Rounds with at least one stake. */
  roundsStaked: number;
  /** Rounds with a stake and a positive P&L. */
  roundsWon: number;
  /** Stakes placed (positions and side bets). */
  bets: number;
  wagered: bigint;
  fees: bigint;
  /** Payouts minus amounts paid, fees included. */
  profit: bigint;
  /** Rounds won over rounds staked, 4 places; "0.0000" before any stake. */
  winRate: string;
  /** The largest fall of the balance from a previous peak (the starting balance counts as one). */
  maxDrawdown: bigint;
  /**
   * Mean per-round P&L over its population standard deviation, every played round counted (a round without
   * a stake returns 0), no risk-free rate, not annualised; 6 places. Null when undefined: no rounds, or every
   * round returned the same (zero variance).
   */
  sharpeRatio: string | null;
}

export const SHARPE_DECIMALS = 6;

/** 40 significant digits: P&L sums of 10^4 rounds of 10^15 minor units squared stay exact far below that. */
const PerformanceDecimal = Decimal.clone({ precision: 40, rounding: Decimal.ROUND_HALF_EVEN });

export function performanceOf(startingBalance: bigint, rounds: readonly PerformanceRound[]): Performance {
  let balance = startingBalance;
  let peak = startingBalance;
  let maxDrawdown = 0n;
  let roundsStaked = 0;
  let roundsWon = 0;
  let bets = 0;
  let wagered = 0n;
  let fees = 0n;
  for (const round of rounds) {
    balance += round.pnl;
    if (balance > peak) peak = balance;
    if (peak - balance > maxDrawdown) maxDrawdown = peak - balance;
    if (round.trades > 0) {
      roundsStaked += 1;
      if (round.pnl > 0n) roundsWon += 1;
    }
    bets += round.trades;
    wagered += round.wagered;
    fees += round.fees;
  }
  return {
    startingBalance,
    endingBalance: balance,
    roundsPlayed: rounds.length,
    roundsStaked,
    roundsWon,
    bets,
    wagered,
    fees,
    profit: balance - startingBalance,
    winRate: winRate({ roundsWon, roundsStaked }),
    maxDrawdown,
    sharpeRatio: sharpeRatio(rounds.map((round) => round.pnl)),
  };
}

/** The largest peak-to-trough fall of `startingBalance` plus the running sum of `pnls`. */
export function maxDrawdownOf(startingBalance: bigint, pnls: readonly bigint[]): bigint {
  return performanceOf(
    startingBalance,
    pnls.map((pnl) => ({ pnl, wagered: 0n, fees: 0n, trades: 0 })),
  ).maxDrawdown;
}

/**
 * mean / σ of the per-round P&L (population σ), computed from exact integer sums: with S = Σx and Q = Σx²,
 * mean / σ = S / √(n·Q − S²). Only the square root and the division are decimal (40 digits), rounded half-even
 * to 6 places. Null for an empty series or zero variance.
 */
export function sharpeRatio(pnls: readonly bigint[]): string | null {
  const n = BigInt(pnls.length);
  if (n === 0n) return null;
  let sum = 0n;
  let squares = 0n;
  for (const pnl of pnls) {
    sum += pnl;
    squares += pnl * pnl;
  }
  const radicand = n * squares - sum * sum;
  if (radicand === 0n) return null;
  const ratio = new PerformanceDecimal(sum.toString()).div(new PerformanceDecimal(radicand.toString()).sqrt());
  return ratio.toFixed(SHARPE_DECIMALS, Decimal.ROUND_HALF_EVEN);
}
