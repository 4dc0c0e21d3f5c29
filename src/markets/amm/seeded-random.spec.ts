import { SeededRandom } from './seeded-random';

describe('SeededRandom', () => {
  it('replays the same sequence for the same seed and differs for another', () => {
    const draw = (seed: number): number[] => {
      const random = new SeededRandom(seed);
      return Array.from({ length: 5 }, () => random.next());
    };
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
  });

  it('stays within the bounds asked for', () => {
    const random = new SeededRandom(7);
    for (let i = 0; i < 1_000; i += 1) {
      const value = random.next();
      expect(value >= 0 && value < 1).toBe(true);
      const n = random.int(3, 5);
      expect(n >= 3 && n <= 5 && Number.isInteger(n)).toBe(true);
      const big = random.bigint(10n, 12n);
      expect(big >= 10n && big <= 12n).toBe(true);
    }
    expect(random.pick(['only'])).toBe('only');
  });
});
