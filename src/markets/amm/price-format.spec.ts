import { AmmDecimal, toDecimal } from './amm-decimal';
import { formatPrices, formatRatio } from './price-format';
import { SeededRandom } from './seeded-random';

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

describe('formatRatio against the 40-digit decimal it replaced', () => {
  it('returns what AmmDecimal division and toFixed return, including ties and huge or tiny ratios', () => {
    const random = new SeededRandom(1403);
    const decimalRatio = (numerator: bigint, denominator: bigint, scale: number): string => toDecimal(numerator).div(toDecimal(denominator)).toFixed(scale);
    const magnitude = (): bigint => {
      const digits = random.int(1, 31);
      return BigInt(Math.floor(random.next() * 10 ** Math.min(digits, 15))) * 10n ** BigInt(Math.max(0, digits - 15)) + BigInt(random.int(0, 9));
    };
    const cases: [bigint, bigint, number][] = [
      [1n, 2_000_000n, 6], // exactly half a unit: ties to even
      [3n, 2_000_000n, 6],
      [5n, 8n, 2],
      [10n ** 30n, 1n, 6],
      [1n, 10n ** 30n, 6],
      [10n ** 30n - 1n, 3n, 6],
      [2n * 10n ** 39n + 5n, 10n ** 40n, 6],
      [15n * 10n ** 40n - 1n, 10n ** 47n, 6], // 0.0000014999...9 is 0.0000015 at 40 digits, then 0.000002
    ];
    for (let i = 0; i < 20_000; i += 1) cases.push([magnitude(), magnitude() || 1n, random.pick([0, 2, 6, 6, 6])]);
    for (const [numerator, denominator, scale] of cases) {
      expect([numerator, denominator, scale, formatRatio(numerator, denominator, scale)]).toEqual([numerator, denominator, scale, decimalRatio(numerator, denominator, scale)]);
    }
  });
});
