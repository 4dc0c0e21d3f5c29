import { Column, type ColumnOptions } from 'typeorm';

/** Digits of a perp price column: PRICE_DECIMALS (8) after the point, plenty before it. */
export const PRICE_COLUMN_PRECISION = 38;
export const PRICE_COLUMN_SCALE = 8;

const SCALE = 10n ** BigInt(PRICE_COLUMN_SCALE);

/**
 * `numeric(38,8)` ⇄ price units (bigint, 10^-8 each, the PRICE_DECIMALS of src/trades/core): the table shows
 * prices as the decimals they are, the code compares them as exact integers.
 */
export const priceColumn = {
  to: (value: bigint | null | undefined): string | null | undefined => {
    if (typeof value !== 'bigint') return value;
    const negative = value < 0n;
    const magnitude = negative ? -value : value;
    return `${negative ? '-' : ''}${magnitude / SCALE}.${(magnitude % SCALE).toString().padStart(PRICE_COLUMN_SCALE, '0')}`;
  },
  from: (value: string | null): bigint | null => {
    if (value === null) return null;
    const negative = value.startsWith('-');
    const [whole, fraction = ''] = (negative ? value.slice(1) : value).split('.');
    const units = BigInt(whole) * SCALE + BigInt(fraction.padEnd(PRICE_COLUMN_SCALE, '0').slice(0, PRICE_COLUMN_SCALE) || '0');
    return negative ? -units : units;
  },
};

/** A perp price (or a price distance: slippage, the gap past a liquidation price) column. */
export function PriceColumn(options: Pick<ColumnOptions, 'nullable' | 'default'> = {}): PropertyDecorator {
  return Column({ type: 'numeric', precision: PRICE_COLUMN_PRECISION, scale: PRICE_COLUMN_SCALE, ...options, transformer: priceColumn });
}
