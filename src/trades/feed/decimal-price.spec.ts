import { addDecimals, compareDecimals, formatDecimal, isDecimalString, midPrice, parseDecimal, priceOfTicks, ticksOf } from './decimal-price';

describe('decimal prices', () => {
  it('round-trips decimal strings exactly', () => {
    for (const text of ['0', '0.95', '97000.1', '-1.05', '123456789012345678901234567890.123456789']) expect(formatDecimal(parseDecimal(text))).toBe(text);
  });

  it('refuses what is not a plain decimal', () => {
    for (const value of ['1e5', '', '.5', '5.', '+1', 'NaN', ' 1', 1, null]) expect(isDecimalString(value)).toBe(false);
  });

  it('takes mids exactly, one more decimal when the sum is odd', () => {
    expect(midPrice('97000.1', '97000.2')).toBe('97000.15');
    expect(midPrice('97000.1', '97000.3')).toBe('97000.2');
    expect(midPrice('0.9499', '0.95')).toBe('0.94995');
    expect(midPrice('1', '2')).toBe('1.5');
    expect(midPrice('0.1', '0.2')).toBe('0.15'); // 0.1 + 0.2 in floats would not be
  });

  it('compares and adds across scales', () => {
    expect(compareDecimals('1.10', '1.1')).toBe(0);
    expect(compareDecimals('1.09', '1.1')).toBe(-1);
    expect(addDecimals('0.1', '0.2')).toBe('0.3');
    expect(addDecimals('1520.5', '0.000001')).toBe('1520.500001');
  });

  it('counts ticks', () => {
    expect(ticksOf('97000.1', '0.1')).toBe(970001n);
    expect(ticksOf('97000.15', '0.1')).toBe(970001n);
    expect(priceOfTicks(9500n, '0.0001')).toBe('0.9500');
  });
});
