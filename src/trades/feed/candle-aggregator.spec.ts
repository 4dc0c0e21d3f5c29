import { bucketStart, CandleAggregator } from './candle-aggregator';

const T0 = Date.UTC(2026, 10, 25, 11, 59, 0); // 11:59:00 UTC

describe('bucketStart', () => {
  it('aligns buckets to UTC: 1d at midnight, 4h at 00/04/08…', () => {
    const at = Date.UTC(2026, 10, 25, 13, 37, 12, 345);
    expect(new Date(bucketStart('1m', at)).toISOString()).toBe('2026-11-25T13:37:00.000Z');
    expect(new Date(bucketStart('5m', at)).toISOString()).toBe('2026-11-25T13:35:00.000Z');
    expect(new Date(bucketStart('15m', at)).toISOString()).toBe('2026-11-25T13:30:00.000Z');
    expect(new Date(bucketStart('1h', at)).toISOString()).toBe('2026-11-25T13:00:00.000Z');
    expect(new Date(bucketStart('4h', at)).toISOString()).toBe('2026-11-25T12:00:00.000Z');
    expect(new Date(bucketStart('1d', at)).toISOString()).toBe('2026-11-25T00:00:00.000Z');
  });

  it('puts a price at exactly a boundary in the new bucket, one a millisecond before in the old', () => {
    const boundary = Date.UTC(2026, 10, 25, 12, 0, 0);
    expect(bucketStart('1m', boundary)).toBe(boundary);
    expect(bucketStart('1m', boundary - 1)).toBe(boundary - 60_000);
    expect(bucketStart('4h', boundary - 1)).toBe(Date.UTC(2026, 10, 25, 8));
  });
});

describe('CandleAggregator', () => {
  it('folds mids into open, high, low, close', () => {
    const candles = new CandleAggregator(['1m']);
    for (const [mid, offset] of [['100.5', 0], ['101', 1000], ['99.25', 2000], ['100', 59_999]] as const) candles.apply('BTC', mid, T0 + offset);
    expect(candles.latest('BTC', '1m')).toEqual({ symbol: 'BTC', interval: '1m', openTime: T0, open: '100.5', high: '101', low: '99.25', close: '100' });
  });

  it('compares prices as decimals, not strings', () => {
    const candles = new CandleAggregator(['1m']);
    candles.apply('BTC', '9.5', T0);
    candles.apply('BTC', '10.25', T0 + 1);
    candles.apply('BTC', '9.05', T0 + 2);
    expect(candles.latest('BTC', '1m')).toMatchObject({ high: '10.25', low: '9.05' });
  });

  it('opens a new candle at the boundary with the first price in it, and hands out the finished one once more', () => {
    const candles = new CandleAggregator(['1m', '1h']);
    candles.apply('BTC', '100', T0 + 30_000);
    candles.apply('BTC', '102', T0 + 59_999);
    candles.apply('BTC', '101', T0 + 60_000); // 12:00:00.000: a new minute and a new hour
    const drained = candles.drainChanged();
    expect(drained).toEqual([
      { symbol: 'BTC', interval: '1m', openTime: T0, open: '100', high: '102', low: '100', close: '102' },
      { symbol: 'BTC', interval: '1h', openTime: T0 - 59 * 60_000, open: '100', high: '102', low: '100', close: '102' },
      { symbol: 'BTC', interval: '1m', openTime: T0 + 60_000, open: '101', high: '101', low: '101', close: '101' },
      { symbol: 'BTC', interval: '1h', openTime: T0 + 60_000, open: '101', high: '101', low: '101', close: '101' },
    ]);
    expect(candles.drainChanged()).toEqual([]);
  });

  it('leaves a gap empty: no candle for a minute without prices', () => {
    const candles = new CandleAggregator(['1m']);
    candles.apply('BTC', '100', T0);
    candles.drainChanged();
    candles.apply('BTC', '105', T0 + 180_000);
    expect(candles.drainChanged()).toEqual([{ symbol: 'BTC', interval: '1m', openTime: T0 + 180_000, open: '105', high: '105', low: '105', close: '105' }]);
  });

  it('ignores a late price from a bucket already left, and keeps symbols apart', () => {
    const candles = new CandleAggregator(['1m']);
    candles.apply('BTC', '100', T0 + 60_000);
    expect(candles.apply('BTC', '1', T0 + 59_000)).toEqual([]);
    candles.apply('ETH', '3600', T0 + 59_000);
    expect(candles.latest('BTC', '1m')).toMatchObject({ openTime: T0 + 60_000, low: '100' });
    expect(candles.latest('ETH', '1m')).toMatchObject({ openTime: T0, open: '3600' });
  });

  it('hands failed candles out again at the next drain', () => {
    const candles = new CandleAggregator(['1m']);
    candles.apply('BTC', '100', T0);
    const failed = candles.drainChanged();
    candles.apply('BTC', '101', T0 + 60_000);
    candles.markChanged(failed);
    expect(candles.drainChanged().map((candle) => [candle.openTime, candle.close])).toEqual([
      [T0, '100'],
      [T0 + 60_000, '101'],
    ]);
  });
});
