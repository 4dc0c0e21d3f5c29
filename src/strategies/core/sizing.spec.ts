import { kellyShare, martingaleStake, sizeStake } from './sizing';

describe('bet sizing', () => {
  const context = { balance: 1_000_000_000n, lossStreak: 0 };

  it('fixed stakes the amount', () => {
    expect(sizeStake({ kind: 'fixed', amount: 5_000_000n }, context)).toBe(5_000_000n);
  });

  it('fraction-of-balance floors balance × fraction', () => {
    expect(sizeStake({ kind: 'fraction-of-balance', fraction: 33_333n }, { ...context, balance: 1_000_001n })).toBe(33_333n);
    expect(sizeStake({ kind: 'fraction-of-balance', fraction: 500_000n }, { ...context, balance: -5n })).toBe(0n);
  });

  it('kelly stakes p − (1 − p) / b of the balance, capped', () => {
    // p = 0.6, b = 1: f = 0.2
    expect(kellyShare(0.6, 1, 1_000_000n)).toBe(200_000n);
    expect(sizeStake({ kind: 'kelly', maxFraction: 1_000_000n, winProbability: 0.6, payoffRatio: 1 }, context)).toBe(200_000_000n);
    // capped at 5 %
    expect(sizeStake({ kind: 'kelly', maxFraction: 50_000n, winProbability: 0.6, payoffRatio: 1 }, context)).toBe(50_000_000n);
    // no edge: nothing
    expect(sizeStake({ kind: 'kelly', maxFraction: 50_000n, winProbability: 0.4, payoffRatio: 1 }, context)).toBe(0n);
  });

  it('kelly on a side bet takes the live odds', () => {
    // win 0.25 at 5x (b = 4): f = 0.25 − 0.75 / 4 = 0.0625
    expect(sizeStake({ kind: 'kelly', maxFraction: 1_000_000n }, { ...context, odds: { winProbability: 0.25, payoffRatio: 4 } })).toBe(62_500_000n);
    // the house's real odds (EV < 0): never a stake
    expect(sizeStake({ kind: 'kelly', maxFraction: 1_000_000n }, { ...context, odds: { winProbability: 0.18, payoffRatio: 4 } })).toBe(0n);
  });

  it('martingale grows by the multiplier per losing round and stops at its cap', () => {
    const sizing = { kind: 'martingale' as const, base: 1_000_000n, multiplier: 2_000_000n, maxStake: 10_000_000n };
    expect([0, 1, 2, 3, 4, 50].map((lossStreak) => sizeStake(sizing, { ...context, lossStreak }))).toEqual([1_000_000n, 2_000_000n, 4_000_000n, 8_000_000n, 10_000_000n, 10_000_000n]);
    expect(martingaleStake(1_000_000n, 1_500_000n, 100_000_000n, 2)).toBe(2_250_000n);
  });
});
