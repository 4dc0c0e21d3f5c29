import { MarketEntity } from './market.entity';
import { assertTradable, parseUnits, resolveOutcome } from './market-rules';

describe('resolveOutcome', () => {
  const labels = ['Yes', 'No', '2026'];

  it.each([
    ['Yes', 0],
    ['  no ', 1],
    [1, 1],
    ['1', 1],
    ['2026', 2],
    [2, 2],
  ])('finds %j as outcome %i (label first, then index)', (ref, index) => {
    expect(resolveOutcome(labels, ref)).toBe(index);
  });

  it.each(['Maybe', '3', 3, -1, 1.5, '', '01x'])('refuses %j as UnknownOutcome (400)', (ref) => {
    expect(() => resolveOutcome(labels, ref)).toThrow(expect.objectContaining({ status: 400, error: 'UnknownOutcome' }));
  });
});

describe('assertTradable', () => {
  const now = new Date('2026-11-25T12:00:00Z');
  const market = (status: MarketEntity['status'], closesAt: string) => Object.assign(new MarketEntity(), { id: 'm', status, closesAt: new Date(closesAt) });

  it('lets an OPEN market before closesAt trade', () => {
    expect(() => assertTradable(market('OPEN', '2026-11-25T12:00:01Z'), now)).not.toThrow();
  });

  it.each([
    ['OPEN', '2026-11-25T12:00:00Z'],
    ['OPEN', '2026-11-25T11:00:00Z'],
    ['CLOSED', '2026-11-26T00:00:00Z'],
    ['RESOLVED', '2026-11-26T00:00:00Z'],
    ['CANCELLED', '2026-11-26T00:00:00Z'],
  ] as const)('refuses %s closing at %s as MarketClosed (422)', (status, closesAt) => {
    expect(() => assertTradable(market(status, closesAt), now)).toThrow(expect.objectContaining({ status: 422, error: 'MarketClosed' }));
  });
});

describe('parseUnits', () => {
  it('reads 6-decimal USDC and shares into minor units', () => {
    expect(parseUnits('12.5', 'amount')).toBe(12_500_000n);
    expect(parseUnits('0', 'minShares', 'nonNegative')).toBe(0n);
  });

  it('refuses more decimals than 6 as a 400 naming the field', () => {
    expect(() => parseUnits('1.0000001', 'shares')).toThrow(expect.objectContaining({ status: 400, details: [expect.objectContaining({ field: 'shares' })] }));
  });
});
