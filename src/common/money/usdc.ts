import { AmountSign, formatAmount } from './amount';
import { parseAmountField } from './amount-field';

/** USDC, the settlement asset, has 6 decimals (the `assets` row seeded by migration says the same). */
export const USDC_DECIMALS = 6;

/** A USDC decimal string from a request → minor units; a 400 naming `field` when it does not fit. */
export function parseUsdc(value: unknown, field = 'amount', sign: AmountSign = 'positive'): bigint {
  return parseAmountField(value, { decimals: USDC_DECIMALS, sign }, field);
}

/** USDC minor units → the API's decimal string, e.g. `formatUsdc(40_000_000n)` is `"40.000000"`. */
export function formatUsdc(minor: bigint): string {
  return formatAmount(minor, USDC_DECIMALS);
}
