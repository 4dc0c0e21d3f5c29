import { AmountSign, formatAmount, parseAmount } from '../../common/money/amount';
import { InvalidField } from '../../common/errors/domain-error';
import { parseAmountField } from '../../common/money/amount-field';

/**
 * Perp prices are fixed-point integers: one price unit is 10^-8 of a USDC per coin. Every comparison and
 * P&L computation runs on these bigints; decimal strings exist only at the edges (feed, API).
 */
export const PRICE_DECIMALS = 8;

/** One price unit, the smallest price step (the ±1 correction of a liquidation price is one of these). */
export const PRICE_UNIT = 1n;

/** A price decimal string → price units; throws `AmountFormatError` (pure callers: the feed, tests). */
export function parsePrice(value: unknown, field = 'price', sign: AmountSign = 'positive'): bigint {
  return parseAmount(value, { decimals: PRICE_DECIMALS, sign }, field);
}

/** A price from a request → price units; a 400 (`InvalidField`) naming `field` when it does not fit. */
export function parsePriceField(value: unknown, field = 'price', sign: AmountSign = 'positive'): bigint {
  const units = parseAmountField(value, { decimals: PRICE_DECIMALS, sign }, field);
  // Price columns are numeric(38,8): a larger value would fail the engine's whole batch instead of this request.
  if (units > MAX_PRICE_UNITS) throw new InvalidField(field, `must be less than ${MAX_PRICE_INTEGER_DIGITS_LIMIT}`);
  return units;
}

/** What a numeric(38,8) price column holds: 30 integer digits. */
export const MAX_PRICE_UNITS = 10n ** 38n - 1n;
const MAX_PRICE_INTEGER_DIGITS_LIMIT = `1${'0'.repeat(30)}`;

/** Price units → the API's decimal string with exactly 8 places, e.g. `formatPrice(6_500_012_345_678n)` is `"65000.12345678"`. */
export function formatPrice(units: bigint): string {
  return formatAmount(units, PRICE_DECIMALS);
}

/** The mid of a quote, rounded down to a price unit (the mark price shown to users). */
export function midPrice(bid: bigint, ask: bigint): bigint {
  return (bid + ask) / 2n;
}
