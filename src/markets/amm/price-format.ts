import type { Decimal } from 'decimal.js';
import { AmmDecimal, toDecimal } from './amm-decimal';

/** Prices and average prices leave the maker as decimal strings with this many decimals. */
export const PRICE_SCALE = 6;

/**
 * Turns outcome weights into price strings that sum to exactly 1 at `scale` decimals: each price is floored,
 * then the missing last-digit units go to the largest remainders (ties to the lower index). Display values
 * only; no money is computed from them.
 */
export function formatPrices(weights: readonly Decimal[], scale: number = PRICE_SCALE): string[] {
  const total = weights.reduce((sum, weight) => sum.plus(weight), new AmmDecimal(0));
  const unit = new AmmDecimal(10).pow(scale);
  const scaled = weights.map((weight) => weight.times(unit).div(total));
  const floored = scaled.map((value) => BigInt(value.floor().toFixed(0)));
  let missing = 10n ** BigInt(scale) - floored.reduce((sum, value) => sum + value, 0n);
  const byRemainder = scaled
    .map((value, index) => ({ index, remainder: value.minus(value.floor()) }))
    .sort((a, b) => b.remainder.comparedTo(a.remainder) || a.index - b.index);
  for (const { index } of byRemainder) {
    if (missing <= 0n) break;
    floored[index] += 1n;
    missing -= 1n;
  }
  return floored.map((units) => unitsToString(units, scale));
}

/** `numerator / denominator` (same unit scale) as a decimal string, rounded half-even to `scale` decimals. */
export function formatRatio(numerator: bigint, denominator: bigint, scale: number = PRICE_SCALE): string {
  return toDecimal(numerator).div(toDecimal(denominator)).toFixed(scale);
}

function unitsToString(units: bigint, scale: number): string {
  if (scale === 0) return units.toString();
  const digits = units.toString().padStart(scale + 1, '0');
  return `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}
