import { DomainError, InvalidField } from '../errors/domain-error';
import { formatUsdc, parseUsdc, USDC_DECIMALS } from './usdc';

describe('USDC amounts', () => {
  it('has 6 decimals', () => {
    expect(USDC_DECIMALS).toBe(6);
  });

  it.each([
    ['1', 1_000_000n],
    ['0.000001', 1n],
    ['12.5', 12_500_000n],
  ])('parses %s as %s minor units', (text, minor) => {
    expect(parseUsdc(text)).toBe(minor);
  });

  it('formats with exactly 6 places and round-trips', () => {
    expect(formatUsdc(40_000_000n)).toBe('40.000000');
    expect(formatUsdc(-1n)).toBe('-0.000001');
    expect(formatUsdc(0n)).toBe('0.000000');
    for (const minor of [0n, 1n, 123_456_789n, 10n ** 30n]) expect(parseUsdc(formatUsdc(minor), 'amount', 'nonNegative')).toBe(minor);
  });

  it('applies the sign rule asked for', () => {
    expect(parseUsdc('0', 'minShares', 'nonNegative')).toBe(0n);
    expect(() => parseUsdc('0')).toThrow(InvalidField);
  });

  it.each([
    ['1.1234567', 'must have at most 6 decimal places'],
    ['0', 'must be greater than zero'],
    ['1e3', 'must be a plain decimal string without an exponent'],
    [12.5, 'must be a decimal string such as "12.5"'],
    [null, 'must be a decimal string such as "12.5"'],
  ])('refuses %j with the ValidationPipe 400 naming the field', (value, reason) => {
    let thrown: unknown;
    try {
      parseUsdc(value, 'minStake');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidField);
    const error = thrown as DomainError;
    expect(error.status).toBe(400);
    expect(error.error).toBe('ValidationFailed');
    expect(error.message).toBe(`minStake ${reason}`);
    expect(error.details).toEqual([{ field: 'minStake', messages: [`minStake ${reason}`] }]);
  });

  it('names the amount field by default', () => {
    expect(() => parseUsdc('abc')).toThrow(/^amount must be a decimal string/);
  });
});
