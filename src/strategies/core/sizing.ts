import { RATIO_SCALE } from './decimal';
import type { CompiledSizing } from './strategy-rules';

/** What a stake is sized from at the moment a rule fires. */
export interface SizingContext {
  /** What the session may spend now: its balance minus what is staked in this round, plus what came back. */
  balance: bigint;
  /** Losing rounds in a row (martingale's exponent). */
  lossStreak: number;
  /** The bet's own odds when the rules do not state them (a side bet's live win probability and net payoff per unit). */
  odds?: { winProbability: number; payoffRatio: number };
}

/** Parts per million of the balance: Kelly's fraction is a double from the odds, cut to an exact integer share. */
const PPM = Number(RATIO_SCALE);

/** The Kelly share p − (1 − p) / b, in parts per million and clamped to [0, cap]. */
export function kellyShare(winProbability: number, payoffRatio: number, cap: bigint): bigint {
  if (!(payoffRatio > 0) || !(winProbability > 0)) return 0n;
  const fraction = winProbability - (1 - winProbability) / payoffRatio;
  if (!(fraction > 0)) return 0n;
  // Rounded to the nearest part per million: 0.6 − 0.4 is 0.19999999999999996 in doubles, and 0.2 is what was meant.
  const share = BigInt(Math.round(fraction * PPM));
  return share > cap ? cap : share;
}

/** base × multiplier^lossStreak (each step floored), capped at maxStake; the loop ends at the cap. */
export function martingaleStake(base: bigint, multiplier: bigint, maxStake: bigint, lossStreak: number): bigint {
  let stake = base;
  for (let step = 0; step < lossStreak && stake < maxStake; step += 1) stake = (stake * multiplier) / RATIO_SCALE;
  return stake > maxStake ? maxStake : stake;
}

/** The amount the sizing rule asks for (before the round's and the session's limits cut it). */
export function sizeStake(sizing: CompiledSizing, context: SizingContext): bigint {
  const balance = context.balance > 0n ? context.balance : 0n;
  switch (sizing.kind) {
    case 'fixed':
      return sizing.amount;
    case 'fraction-of-balance':
      return (balance * sizing.fraction) / RATIO_SCALE;
    case 'kelly': {
      const winProbability = sizing.winProbability ?? context.odds?.winProbability;
      const payoffRatio = sizing.payoffRatio ?? context.odds?.payoffRatio;
      if (winProbability === undefined || payoffRatio === undefined) return 0n;
      return (balance * kellyShare(winProbability, payoffRatio, sizing.maxFraction)) / RATIO_SCALE;
    }
    case 'martingale':
      return martingaleStake(sizing.base, sizing.multiplier, sizing.maxStake, context.lossStreak);
  }
}
