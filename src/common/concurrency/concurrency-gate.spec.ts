import { ConcurrencyGate } from './concurrency-gate';

describe('ConcurrencyGate', () => {
  it('runs at most `limit` tasks at once, the rest in arrival order, and frees the slot of a task that failed', async () => {
    const gate = new ConcurrencyGate(2);
    const started: number[] = [];
    let running = 0;
    let most = 0;
    const release: (() => void)[] = [];
    const task = (index: number) =>
      gate.run(async () => {
        started.push(index);
        running += 1;
        most = Math.max(most, running);
        await new Promise<void>((resolve) => release.push(resolve));
        running -= 1;
        if (index === 1) throw new Error('failed');
        return index;
      });
    const results = [0, 1, 2, 3, 4].map((index) => task(index).catch((error: Error) => error.message));
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual([0, 1]);
    expect(gate.load).toEqual({ active: 2, waiting: 3 });
    while (release.length > 0) {
      release.shift()!();
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(await Promise.all(results)).toEqual([0, 'failed', 2, 3, 4]);
    expect(started).toEqual([0, 1, 2, 3, 4]);
    expect(most).toBe(2);
    expect(gate.load).toEqual({ active: 0, waiting: 0 });
  });

  it('refuses a limit below one', () => {
    expect(() => new ConcurrencyGate(0)).toThrow(RangeError);
  });
});
