import { createHash } from 'node:crypto';
import { recomputePath, storedPath } from '../strategies/core/backtest';
import { DEFAULT_ROUND_PARAMS } from './fairness/round-params';
import { decodeRoundCloses, encodeRoundCloses } from './round-closes';

const seedOf = (n: number) => createHash('sha256').update(`round-closes spec ${n}`).digest('hex');

describe('stored round closes', () => {
  it('round-trip every close exactly, including 0 (a rug), 1 and prices past 2^53', () => {
    const closes = [100_000_000, 1, 0, 2 ** 53 + 2, 987_654_321_012, Number.MAX_SAFE_INTEGER];
    const bytes = encodeRoundCloses(closes);
    expect(bytes).toHaveLength(8 * closes.length);
    expect([...decodeRoundCloses(bytes)]).toEqual(closes);
    // Big-endian float8, the bytes PostgreSQL's float8send writes: 1.0e8 is 0x4197d78400000000.
    expect(bytes.subarray(0, 8).toString('hex')).toBe('4197d78400000000');
  });

  it('decodes from a Buffer that is a view into a larger pool (as pg hands them out)', () => {
    const pool = Buffer.concat([Buffer.from([1, 2, 3]), encodeRoundCloses([5, 6])]);
    expect([...decodeRoundCloses(pool.subarray(3))]).toEqual([5, 6]);
  });

  it('refuses a length that is not whole closes', () => {
    expect(() => decodeRoundCloses(Buffer.alloc(12))).toThrow(RangeError);
  });

  it('give the same replay path as regenerating from the seed, for 200 seeds (rugged and surviving rounds)', () => {
    const params = { ...DEFAULT_ROUND_PARAMS, maxTicks: 250 };
    let rugged = 0;
    for (let n = 0; n < 200; n += 1) {
      const round = { serverSeed: seedOf(n), salt: `salt ${n}`, params };
      const regenerated = recomputePath(round);
      const stored = storedPath(decodeRoundCloses(encodeRoundCloses(regenerated.closes)));
      expect(stored).toEqual(regenerated);
      if (regenerated.rugTick !== null) rugged += 1;
    }
    expect(rugged).toBeGreaterThan(0);
    expect(rugged).toBeLessThan(200);
  });
});
