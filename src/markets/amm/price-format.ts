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

/**
 * `numerator / denominator` (same unit scale) as a decimal string, rounded half-even to `scale` decimals.
 * The answer is defined as AmmDecimal's: the quotient rounded half-even to 40 significant digits, then that
 * rounded half-even to `scale` decimals (a double rounding); for the usual signs it is computed so in bigint.
 */
export function formatRatio(numerator: bigint, denominator: bigint, scale: number = PRICE_SCALE): string {
  if (numerator < 0n || denominator <= 0n || !Number.isInteger(scale) || scale < 0) {
    return toDecimal(numerator).div(toDecimal(denominator)).toFixed(scale);
  }
  if (numerator === 0n) return unitsToString(0n, scale);
  // Usually float64 settles it: away from a half unit (by more than its error) both roundings agree with it.
  if (scale <= 15) {
    const estimate = (Number(numerator) / Number(denominator)) * 10 ** scale;
    const nearest = Math.round(estimate);
    if (estimate < 2 ** 50 && Math.abs(Math.abs(estimate - nearest) - 0.5) > 2 ** -48 * (estimate + 1)) {
      return unitsToString(BigInt(nearest), scale);
    }
  }
  // m = the quotient's 40 significant digits, so the 40-digit quotient is m * 10^-shift.
  let shift = RATIO_DIGITS - 1 - (numerator.toString().length - denominator.toString().length);
  const scaledQuotient = (exponent: number): [bigint, bigint, bigint] => {
    const top = exponent >= 0 ? numerator * 10n ** BigInt(exponent) : numerator;
    const bottom = exponent >= 0 ? denominator : denominator * 10n ** BigInt(-exponent);
    return [top / bottom, top % bottom, bottom];
  };
  let [quotient, remainder, divisor] = scaledQuotient(shift);
  if (quotient < RATIO_LOW) [quotient, remainder, divisor] = scaledQuotient((shift += 1));
  else if (quotient >= RATIO_HIGH) [quotient, remainder, divisor] = scaledQuotient((shift -= 1));
  const significant = roundHalfEven(quotient, remainder, divisor);
  const units = shift <= scale ? significant * 10n ** BigInt(scale - shift) : roundHalfEven(significant / 10n ** BigInt(shift - scale), significant % 10n ** BigInt(shift - scale), 10n ** BigInt(shift - scale));
  return unitsToString(units, scale);
}

/** AmmDecimal's precision, and the range of a 40-digit mantissa. */
const RATIO_DIGITS = 40;
const RATIO_LOW = 10n ** BigInt(RATIO_DIGITS - 1);
const RATIO_HIGH = 10n ** BigInt(RATIO_DIGITS);

/** quotient + remainder / divisor rounded half-even to an integer (remainder in [0, divisor)). */
function roundHalfEven(quotient: bigint, remainder: bigint, divisor: bigint): bigint {
  const twice = 2n * remainder;
  if (twice > divisor || (twice === divisor && quotient % 2n === 1n)) return quotient + 1n;
  return quotient;
}

function unitsToString(units: bigint, scale: number): string {
  if (scale === 0) return units.toString();
  const digits = units.toString().padStart(scale + 1, '0');
  return `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}
