import { TickBatcher } from './tick-batcher';

describe('TickBatcher', () => {
  it('runs the items of one turn together, in order, and those of a later turn in a run of their own', async () => {
    const runs: number[][] = [];
    const batcher = new TickBatcher<number, number>(async (items) => {
      runs.push(items);
      return items.map((item) => item * 10);
    });
    const first = await Promise.all([batcher.submit(1), batcher.submit(2), batcher.submit(3)]);
    const later = await batcher.submit(4);
    expect(first).toEqual([10, 20, 30]);
    expect(later).toBe(40);
    expect(runs).toEqual([[1, 2, 3], [4]]);
  });

  it('splits a turn into runs of at most maxItems', async () => {
    const runs: number[][] = [];
    const batcher = new TickBatcher<number, number>(async (items) => {
      runs.push(items);
      return items;
    }, 2);
    expect(await Promise.all([1, 2, 3, 4, 5].map((item) => batcher.submit(item)))).toEqual([1, 2, 3, 4, 5]);
    expect(runs).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('rejects every item of a run that throws (synchronously or not), and only those', async () => {
    let calls = 0;
    const batcher = new TickBatcher<number, number>((items) => {
      calls += 1;
      if (calls === 1) throw new Error('refused');
      return Promise.resolve(items);
    });
    const failed = [batcher.submit(1), batcher.submit(2)].map((result) => result.catch((error: Error) => error.message));
    expect(await Promise.all(failed)).toEqual(['refused', 'refused']);
    expect(await batcher.submit(3)).toBe(3);
  });
});
