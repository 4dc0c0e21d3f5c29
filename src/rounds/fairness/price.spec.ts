import { formatPrice, parsePrice } from './price';

describe('formatPrice', () => {
  it.each([
    [100_000_000, '1.00000000'],
    [0, '0.00000000'],
    [1, '0.00000001'],
    [123_456_789, '1.23456789'],
    [99_999_999, '0.99999999'],
    [1_000_000_000_000, '10000.00000000'],
  ])('%p → %s', (units, text) => {
    expect(formatPrice(units)).toBe(text);
    expect(formatPrice(BigInt(units))).toBe(text);
  });

  it('prints an integer-valued double beyond 2^53 exactly', () => {
    const big = 2 ** 60 + 2 ** 10; // 1152921504606848000, not a safe integer
    expect(formatPrice(big)).toBe('11529215046.06848000');
  });

  it('refuses fractions, negatives and non-finite numbers', () => {
    expect(() => formatPrice(1.5)).toThrow(RangeError);
    expect(() => formatPrice(-1)).toThrow(RangeError);
    expect(() => formatPrice(Number.POSITIVE_INFINITY)).toThrow(RangeError);
    expect(() => formatPrice(Number.NaN)).toThrow(RangeError);
  });
});

describe('parsePrice', () => {
  it('reads what formatPrice writes', () => {
    for (const units of [0n, 1n, 100_000_000n, 123_456_789n, 2n ** 70n]) expect(parsePrice(formatPrice(units))).toBe(units);
  });

  it.each(['1', '1.0', '1.000000000', '-1.00000000', '01.00000000', ' 1.00000000', '1e8', ''])('refuses %p', (text) => {
    expect(() => parsePrice(text)).toThrow(RangeError);
  });
});
