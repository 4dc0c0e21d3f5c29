import { randomUUID } from 'node:crypto';
import { SeededRandom } from '../markets/amm/seeded-random';
import { compareIds, splitDividend } from './dividend-split';

describe('splitDividend', () => {
  it('adds up to the pool exactly for random holder sets, each part within one unit of pro rata', () => {
    const random = new SeededRandom(2026);
    for (let round = 0; round < 300; round++) {
      const holders = Array.from({ length: random.int(1, 200) }, () => ({ userId: randomUUID(), shares: BigInt(random.int(1, round % 3 === 0 ? 3 : 100_000)) }));
      const pool = random.bigint(0n, 10n ** BigInt(random.int(1, 15)));
      const parts = splitDividend(pool, holders);
      const total = holders.reduce((sum, holder) => sum + holder.shares, 0n);
      expect(parts.reduce((sum, part) => sum + part.amount, 0n)).toBe(pool);
      expect(parts).toHaveLength(holders.length);
      for (const part of parts) {
        const floor = (pool * part.shares) / total;
        expect(part.amount === floor || part.amount === floor + 1n).toBe(true);
      }
      // In user id order, for the batches.
      expect(parts.map((part) => part.userId)).toEqual([...parts.map((part) => part.userId)].sort(compareIds));
    }
  });

  it('gives the remainder one unit each to the largest holders, ties by user id', () => {
    const holders = [
      { userId: '00000000-0000-4000-8000-000000000003', shares: 1n },
      { userId: '00000000-0000-4000-8000-000000000002', shares: 1n },
      { userId: '00000000-0000-4000-8000-000000000001', shares: 1n },
      { userId: '00000000-0000-4000-8000-000000000009', shares: 2n },
    ];
    // 10 over 5 shares: 2 per share, nothing left.
    expect(splitDividend(10n, holders).map((part) => part.amount)).toEqual([2n, 2n, 2n, 4n]);
    // 7 over 5 shares: floors 1, 1, 1, 2 (= 5); the 2 units left go to the 2-share holder, then the lowest id of the rest.
    expect(splitDividend(7n, holders).map((part) => [part.userId.slice(-1), part.amount])).toEqual([
      ['1', 2n],
      ['2', 1n],
      ['3', 1n],
      ['9', 3n],
    ]);
  });

  it('pays a lone holder the whole pool and an empty pool to nobody', () => {
    expect(splitDividend(12345n, [{ userId: 'a', shares: 7n }])).toEqual([{ userId: 'a', shares: 7n, amount: 12345n }]);
    expect(splitDividend(0n, [{ userId: 'a', shares: 7n }])).toEqual([{ userId: 'a', shares: 7n, amount: 0n }]);
    expect(splitDividend(0n, [])).toEqual([]);
    expect(() => splitDividend(1n, [])).toThrow('needs holders');
  });

  it('splits 100,000 holders quickly enough for the job', () => {
    const holders = Array.from({ length: 100_000 }, (_, index) => ({ userId: randomUUID(), shares: BigInt(1 + (index % 17)) }));
    const started = performance.now();
    const parts = splitDividend(987_654_321_123n, holders);
    expect(parts.reduce((sum, part) => sum + part.amount, 0n)).toBe(987_654_321_123n);
    expect(performance.now() - started).toBeLessThan(5000);
  });
});
