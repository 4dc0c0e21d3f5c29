import { Decimal } from 'decimal.js';
import { formatAmount } from '../../common/money/amount';
import { USDC_DECIMALS } from '../../common/money/usdc';

/**
 * The one Decimal flavour the market maker computes with. 40 significant digits: amounts are capped at
 * MAX_UNITS (10^30 minor units), so even the largest value keeps ten digits below one minor unit, and every
 * exp/ln result is rounded to an integer number of minor units in the pool's favour afterwards.
 * The exponent range is decimal.js's widest so exp() of a very negative argument underflows to a tiny number
 * instead of zero for any state the guards admit.
 */
export const AmmDecimal = Decimal.clone({
  precision: 40,
  rounding: Decimal.ROUND_HALF_EVEN,
  maxE: 9e15,
  minE: -9e15,
  toExpNeg: -9e15,
  toExpPos: 9e15,
});
export type AmmDecimal = Decimal;

/** Largest amount, share count or liquidity (minor units) the maker accepts: 10^24 USDC, far past any real market. */
export const MAX_UNITS = 10n ** 30n;

/** Largest |argument| passed to exp(); beyond it decimal.js would overflow, so such trades are refused. */
export const MAX_EXPONENT = new AmmDecimal('1e15');

export function toDecimal(units: bigint): Decimal {
  return new AmmDecimal(units.toString());
}

/** Rounds toward minus infinity to whole minor units. */
export function floorToUnits(value: Decimal): bigint {
  return BigInt(value.floor().toFixed(0));
}

/** Rounds toward plus infinity to whole minor units. */
export function ceilToUnits(value: Decimal): bigint {
  return BigInt(value.ceil().toFixed(0));
}

/** USDC and shares both have 6 decimals: one share unit and one USDC minor unit are both 0.000001. */
export const UNIT_DECIMALS = USDC_DECIMALS;

/** Minor units as the API's decimal string (`1500000n` is `"1.500000"`): every message and detail speaks these. */
export function formatUnits(units: bigint): string {
  return formatAmount(units, UNIT_DECIMALS);
}
