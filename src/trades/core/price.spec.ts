import { InvalidField } from '../../common/errors/domain-error';
import { formatPrice, MAX_PRICE_UNITS, parsePriceField } from './price';

describe('request prices', () => {
  it('parses a decimal string to price units', () => {
    expect(parsePriceField('65000.12345678')).toBe(6_500_012_345_678n);
    expect(formatPrice(parsePriceField('0.00000001'))).toBe('0.00000001');
  });

  it('refuses with a 400 a price the numeric(38,8) columns cannot hold, instead of failing the engine batch', () => {
    expect(parsePriceField(formatPrice(MAX_PRICE_UNITS), 'takeProfit')).toBe(MAX_PRICE_UNITS);
    const tooLarge = `1${'0'.repeat(30)}`;
    expect(() => parsePriceField(tooLarge, 'takeProfit')).toThrow(InvalidField);
    expect(() => parsePriceField(tooLarge, 'takeProfit')).toThrow('takeProfit must be less than 1000000000000000000000000000000');
  });
});
