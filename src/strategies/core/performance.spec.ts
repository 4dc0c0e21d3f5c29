import { afterRound, newSession, type SessionState } from './session';
import { maxDrawdownOf, performanceOf, sharpeRatio, type PerformanceRound } from './performance';

const round = (pnl: bigint, trades = 1, wagered = 10n, fees = 1n): PerformanceRound => ({ pnl, wagered, fees, trades });

describe('performanceOf', () => {
  it('an empty series: nothing played, no drawdown, no win rate, no Sharpe ratio', () => {
    expect(performanceOf(1_000n, [])).toEqual({
      startingBalance: 1_000n,
      endingBalance: 1_000n,
      roundsPlayed: 0,
      roundsStaked: 0,
      roundsWon: 0,
      bets: 0,
      wagered: 0n,
      fees: 0n,
      profit: 0n,
      winRate: '0.0000',
      maxDrawdown: 0n,
      sharpeRatio: null,
    });
  });

  it('counts bets, wins among staked rounds only, and sums money exactly', () => {
    const performance = performanceOf(1_000n, [round(5n, 2), round(0n, 0, 0n, 0n), round(-3n), round(0n, 1)]);
    expect(performance).toMatchObject({ roundsPlayed: 4, roundsStaked: 3, roundsWon: 1, bets: 4, wagered: 30n, fees: 3n, profit: 2n, endingBalance: 1_002n, winRate: '0.3333' });
  });

  it('equals the session the runner carries round by round (drawdown, win rate, totals)', () => {
    const rounds = [round(40n), round(-70n, 2), round(0n, 0, 0n, 0n), round(25n), round(-90n), round(200n, 3)];
    const session = rounds.reduce<SessionState>((state, outcome) => afterRound(state, outcome, {}), newSession(500n));
    const performance = performanceOf(500n, rounds);
    expect(performance).toMatchObject({
      endingBalance: session.balance,
      profit: session.pnl,
      wagered: session.wagered,
      fees: session.fees,
      bets: session.trades,
      roundsPlayed: session.roundsPlayed,
      roundsStaked: session.roundsStaked,
      roundsWon: session.roundsWon,
      maxDrawdown: session.maxDrawdown,
    });
  });
});

describe('maxDrawdownOf', () => {
  it('is 0 for a series that only rises', () => {
    expect(maxDrawdownOf(100n, [1n, 2n, 3n])).toBe(0n);
  });

  it('measures from the starting balance when the first rounds lose', () => {
    expect(maxDrawdownOf(100n, [-10n, -5n, 3n])).toBe(15n);
  });

  it('keeps the deepest fall from a peak, not the last one or the net loss', () => {
    // 100 → 150 (peak) → 90 (−60) → 200 (peak) → 170 (−30)
    expect(maxDrawdownOf(100n, [50n, -60n, 110n, -30n])).toBe(60n);
  });

  it('is exact beyond float precision', () => {
    const huge = 2n ** 70n;
    expect(maxDrawdownOf(huge, [huge, -huge - 1n])).toBe(huge + 1n);
  });
});

describe('sharpeRatio', () => {
  it('is null for an empty series', () => {
    expect(sharpeRatio([])).toBeNull();
  });

  it('is null with zero variance: one round, or every round the same (even a winning one)', () => {
    expect(sharpeRatio([7n])).toBeNull();
    expect(sharpeRatio([5n, 5n, 5n])).toBeNull();
    expect(sharpeRatio([0n, 0n])).toBeNull();
  });

  it('is the mean over the population standard deviation, to 6 places', () => {
    // mean 2, σ = √(2/3): 2 / 0.816496580927726… = 2.449489742783178… (√6)
    expect(sharpeRatio([1n, 2n, 3n])).toBe('2.449490');
    // mean 0: 0
    expect(sharpeRatio([-4n, 4n])).toBe('0.000000');
    // mean −1, σ = 1
    expect(sharpeRatio([-2n, 0n])).toBe('-1.000000');
  });

  it('does not depend on the unit: the same series in larger minor units gives the same ratio', () => {
    const series = [1_500_000n, -2_250_000n, 730_001n, 0n, 4_000_000n];
    expect(sharpeRatio(series.map((pnl) => pnl * 10n ** 12n))).toBe(sharpeRatio(series));
  });

  it('stays exact where float sums would lose digits (large values with a tiny spread)', () => {
    const base = 10n ** 17n;
    // mean base + 1, σ = 1 (values base and base + 2): the ratio is base + 1 exactly.
    expect(sharpeRatio([base, base + 2n])).toBe(`${base + 1n}.000000`);
  });
});
