import { averageTradeSize, combineSummaries, EMPTY_SUMMARY, periodStart, winRate } from './stats-math';

describe('stats math', () => {
  describe('winRate', () => {
    it.each([
      [0, 1, '0.0000'],
      [1, 1, '1.0000'],
      [1, 2, '0.5000'],
      [2, 3, '0.6667'],
      [1, 3, '0.3333'],
      [1, 8, '0.1250'],
      [1, 16, '0.0625'],
      [1, 20_000, '0.0001'],
      [1, 40_000, '0.0000'],
      [1, 39_999, '0.0000'],
      [7, 12, '0.5833'],
    ])('%i of %i trades won is %s (rounded half up on the exact ratio)', (wins, trades, expected) => {
      expect(winRate(wins, trades)).toBe(expected);
    });

    it('is null without trades, and refuses impossible counts', () => {
      expect(winRate(0, 0)).toBeNull();
      expect(() => winRate(2, 1)).toThrow(RangeError);
      expect(() => winRate(-1, 1)).toThrow(RangeError);
      expect(() => winRate(0.5, 1)).toThrow(RangeError);
    });
  });

  it('averages trade size on exact minor units, floored, null without trades', () => {
    expect(averageTradeSize(10_000_000n, 3)).toBe(3_333_333n);
    expect(averageTradeSize(0n, 0)).toBeNull();
  });

  it('combines venues: sums, best of the bests, worst of the worsts, venues without trades ignored', () => {
    const rounds = { trades: 3, wins: 2, volume: 30n, pnl: 5n, best: 9n, worst: -4n, openPositions: 1 };
    const markets = { trades: 1, wins: 0, volume: 100n, pnl: -100n, best: -100n, worst: -100n, openPositions: 0 };
    expect(combineSummaries([rounds, EMPTY_SUMMARY, markets])).toEqual({ trades: 4, wins: 2, volume: 130n, pnl: -95n, best: 9n, worst: -100n, openPositions: 1 });
    expect(combineSummaries([])).toEqual(EMPTY_SUMMARY);
  });

  it('starts periods at the UTC day, rolling 7 and 30 days, or never', () => {
    const now = new Date('2026-12-03T13:14:15.000Z');
    expect(periodStart('today', now)?.toISOString()).toBe('2026-12-03T00:00:00.000Z');
    expect(periodStart('7d', now)?.toISOString()).toBe('2026-11-26T13:14:15.000Z');
    expect(periodStart('30d', now)?.toISOString()).toBe('2026-11-03T13:14:15.000Z');
    expect(periodStart('all', now)).toBeNull();
  });
});
