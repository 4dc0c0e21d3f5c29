/** Prices are integers in units of 1e-8, shown as decimal strings with exactly 8 decimals. */
export const PRICE_DECIMALS = 8;

const PRICE_SCALE = 10n ** BigInt(PRICE_DECIMALS);
const PRICE_TEXT = /^(0|[1-9][0-9]*)\.([0-9]{8})$/;

/**
 * `100000000` → `"1.00000000"`. Accepts the integer-valued doubles the path generator produces
 * (converted exactly through BigInt, so even a price past 2^53 prints its true value) or bigints.
 */
export function formatPrice(units: number | bigint): string {
  if (typeof units === 'number' && !Number.isInteger(units)) {
    throw new RangeError(`a price in 1e-8 units must be an integer, got ${units}`);
  }
  const value = BigInt(units);
  if (value < 0n) throw new RangeError(`a price cannot be negative, got ${value}`);
  const fraction = (value % PRICE_SCALE).toString().padStart(PRICE_DECIMALS, '0');
  return `${value / PRICE_SCALE}.${fraction}`;
}

/** `"1.00000000"` → `100000000n`; only the canonical form `formatPrice` writes is accepted. */
export function parsePrice(text: string): bigint {
  const match = PRICE_TEXT.exec(text);
  if (match === null) throw new RangeError(`not a price with ${PRICE_DECIMALS} decimals: ${JSON.stringify(text)}`);
  return BigInt(match[1]) * PRICE_SCALE + BigInt(match[2]);
}
