import { MarketEntity } from './market.entity';
import { assertTradable, feeScheduleOf, parseUnits, resolveOutcome } from './market-rules';

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
    ['CANCELLING', '2026-11-26T00:00:00Z'],
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

describe('feeScheduleOf', () => {
  const market = { feeBps: 100, creatorFeeShareBps: 2000, creatorId: 'creator-1' };

  it('pays the creator their share on other traders\' trades and on quotes', () => {
    expect(feeScheduleOf(market, 'trader-1')).toEqual({ feeBps: 100, creatorShareBps: 2000 });
    expect(feeScheduleOf(market)).toEqual({ feeBps: 100, creatorShareBps: 2000 });
  });

  it('pays no creator share on the creator\'s own trades (the whole fee goes to fees)', () => {
    expect(feeScheduleOf(market, 'creator-1')).toEqual({ feeBps: 100, creatorShareBps: 0 });
  });

  it('pays no creator share on admin markets', () => {
    expect(feeScheduleOf({ feeBps: 100, creatorFeeShareBps: 0, creatorId: null }, 'trader-1')).toEqual({ feeBps: 100, creatorShareBps: 0 });
  });
});
