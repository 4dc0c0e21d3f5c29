import { AmountFormatError, amountShapeProblem, formatAmount, parseAmount } from './amount';

const usdc = { decimals: 6 };

describe('parseAmount / formatAmount', () => {
  it.each([
    ['1', 1_000_000n],
    ['0.000001', 1n],
    ['12.5', 12_500_000n],
    ['1000.000000', 1_000_000_000n],
    ['007.10', 7_100_000n],
  ])('parses %s as %s minor units', (text, minor) => {
    expect(parseAmount(text, usdc)).toBe(minor);
  });

  it('round-trips every shape through minor units and back', () => {
    const samples = ['0.000001', '1.000000', '12.345678', '999999999999.999999', '-40.000000', '0.000000'];
    for (const text of samples) {
      expect(formatAmount(parseAmount(text, { decimals: 6, sign: 'any' }), 6)).toBe(text);
    }
    for (const minor of [0n, 1n, -1n, 10n ** 30n, -(10n ** 20n) - 7n, 123_456_789n]) {
      for (const decimals of [0, 2, 6, 18]) {
        expect(parseAmount(formatAmount(minor, decimals), { decimals, sign: 'any' })).toBe(minor);
      }
    }
  });

  it('formats with exactly the asset decimals', () => {
    expect(formatAmount(40_000_000n, 6)).toBe('40.000000');
    expect(formatAmount(-1n, 6)).toBe('-0.000001');
    expect(formatAmount(5n, 0)).toBe('5');
  });

  it.each([
    ['1.1234567', 'must have at most 6 decimal places'],
    ['0', 'must be greater than zero'],
    ['0.000000', 'must be greater than zero'],
    ['-5', 'must be greater than zero'],
    ['1e3', 'without an exponent'],
    ['1E-2', 'without an exponent'],
    ['abc', 'must be a decimal string'],
    ['', 'must be a decimal string'],
    [' 1', 'must be a decimal string'],
    ['+1', 'must be a decimal string'],
    ['1.', 'must be a decimal string'],
    ['.5', 'must be a decimal string'],
    ['1,5', 'must be a decimal string'],
    ['0x10', 'must be a decimal string'],
    ['Infinity', 'must be a decimal string'],
    ['NaN', 'must be a decimal string'],
    ['1'.repeat(80), 'is too large'],
    // 73 whole digits plus USDC's 6 decimals would overflow numeric(78,0) in minor units.
    ['1'.repeat(73), 'is too large'],
  ])('refuses %j (%s) and names the field', (text, reason) => {
    try {
      parseAmount(text, usdc, 'amount');
      throw new Error('expected a rejection');
    } catch (error) {
      expect(error).toBeInstanceOf(AmountFormatError);
      expect((error as AmountFormatError).field).toBe('amount');
      expect((error as AmountFormatError).message).toContain(reason);
    }
  });

  it('accepts the largest amount whose minor units fit numeric(78,0)', () => {
    expect(parseAmount('9'.repeat(72), usdc).toString()).toHaveLength(78);
  });

  it('refuses non-strings (JSON numbers lose precision)', () => {
    expect(() => parseAmount(12.5, usdc)).toThrow(AmountFormatError);
    expect(() => parseAmount(null, usdc)).toThrow(AmountFormatError);
  });

  it('applies the sign rule asked for', () => {
    expect(parseAmount('-25', { decimals: 6, sign: 'nonZero' })).toBe(-25_000_000n);
    expect(amountShapeProblem('0', 'nonZero')).toContain('must not be zero');
    expect(amountShapeProblem('0', 'nonNegative')).toBeUndefined();
    expect(amountShapeProblem('-0.1', 'nonNegative')).toContain('must not be negative');
    expect(amountShapeProblem('-0', 'positive')).toContain('greater than zero');
  });
});
