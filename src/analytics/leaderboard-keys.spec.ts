import { appliedKey, boardKey, incrementsOf, namesKey, periodBucket, sumIncrements } from './leaderboard-keys';

describe('leaderboard keys', () => {
  it('buckets by UTC day, by the week starting Monday, and all time', () => {
    expect(periodBucket('day', new Date('2026-12-03T23:59:59.999Z'))).toBe('2026-12-03');
    expect(periodBucket('week', new Date('2026-12-03T12:00:00Z'))).toBe('w2026-11-30'); // a Thursday
    expect(periodBucket('week', new Date('2026-11-30T00:00:00Z'))).toBe('w2026-11-30'); // the Monday itself
    expect(periodBucket('week', new Date('2026-11-29T23:59:59Z'))).toBe('w2026-11-23'); // the Sunday before
    expect(periodBucket('week', new Date('1970-01-01T00:00:00Z'))).toBe('w1969-12-29');
    expect(periodBucket('all', new Date())).toBe('all');
    expect(boardKey('cm', 'rounds', 'pnl', '2026-12-03')).toBe('cm:lb:rounds:pnl:2026-12-03');
    expect(appliedKey('cm', new Date('2026-12-03T05:00:00Z'))).toBe('cm:lb-applied:2026-12-03');
    expect(namesKey('cm')).toBe('cm:lb-names');
  });

  it('one result counts on its venue and overall, for both metrics and every period', () => {
    const increments = incrementsOf('cm', 'rounds', { userId: 'u', pnl: -5n, volume: 10n, settledAt: new Date('2026-12-03T12:00:00Z') });
    expect(increments.map((i) => `${i.key}=${i.amount}`).sort()).toEqual(
      [
        'cm:lb:all:pnl:2026-12-03=-5',
        'cm:lb:all:pnl:all=-5',
        'cm:lb:all:pnl:w2026-11-30=-5',
        'cm:lb:all:volume:2026-12-03=10',
        'cm:lb:all:volume:all=10',
        'cm:lb:all:volume:w2026-11-30=10',
        'cm:lb:rounds:pnl:2026-12-03=-5',
        'cm:lb:rounds:pnl:all=-5',
        'cm:lb:rounds:pnl:w2026-11-30=-5',
        'cm:lb:rounds:volume:2026-12-03=10',
        'cm:lb:rounds:volume:all=10',
        'cm:lb:rounds:volume:w2026-11-30=10',
      ].sort(),
    );
  });

  it('sums per board and player whatever the order', () => {
    const at = new Date('2026-12-03T12:00:00Z');
    const a = incrementsOf('cm', 'rounds', { userId: 'a', pnl: 3n, volume: 1n, settledAt: at });
    const b = incrementsOf('cm', 'perps', { userId: 'a', pnl: -1n, volume: 2n, settledAt: at });
    const forward = sumIncrements([...a, ...b]);
    const backward = sumIncrements([...b, ...a].reverse());
    expect(forward).toEqual(backward);
    expect(forward.get('cm:lb:all:pnl:all')).toEqual(new Map([['a', 2n]]));
    expect(forward.get('cm:lb:perps:volume:all')).toEqual(new Map([['a', 2n]]));
  });
});
