import { AmmDecimal } from './amm-decimal';
import { formatPrices, formatRatio } from './price-format';

describe('formatPrices', () => {
  it('gives thirds the missing unit by largest remainder, lowest index first on ties', () => {
    expect(formatPrices([1, 1, 1].map((w) => new AmmDecimal(w)))).toEqual(['0.333334', '0.333333', '0.333333']);
  });

  it('always sums to exactly 1', () => {
    const weights = [0.1234567, 0.2345678, 0.3456789, 0.0000001, 0.9].map((w) => new AmmDecimal(w));
    const prices = formatPrices(weights);
    expect(prices.reduce((sum, price) => sum + BigInt(price.replace('.', '')), 0n)).toBe(1_000_000n);
  });

  it('shows certainty as 1.000000 and 0.000000', () => {
    expect(formatPrices([new AmmDecimal(1), new AmmDecimal('1e-500')])).toEqual(['1.000000', '0.000000']);
  });

  it('supports other scales', () => {
    expect(formatPrices([new AmmDecimal(1), new AmmDecimal(3)], 2)).toEqual(['0.25', '0.75']);
    expect(formatPrices([new AmmDecimal(1), new AmmDecimal(3)], 0)).toEqual(['0', '1']);
  });
});

describe('formatRatio', () => {
  it('divides units and rounds half-even to 6 decimals', () => {
    expect(formatRatio(10_000_000n, 19_164_052n)).toBe('0.521810');
    expect(formatRatio(1n, 8n)).toBe('0.125000');
    expect(formatRatio(1n, 3n, 2)).toBe('0.33');
  });
});
