import { BatchQueue } from './batch-queue';

describe('BatchQueue', () => {
  it('hands out what arrived within the wait, in arrival order', async () => {
    const queue = new BatchQueue<number>(10, 20);
    const batch = queue.next();
    queue.push(1);
    queue.push(2);
    setTimeout(() => queue.push(3), 5);
    expect(await batch).toEqual([1, 2, 3]);
  });

  it('does not wait once the batch is full, and keeps the rest for the next batch', async () => {
    const queue = new BatchQueue<number>(3, 60_000);
    for (let n = 1; n <= 5; n++) queue.push(n);
    expect(await queue.next()).toEqual([1, 2, 3]);
    const started = Date.now();
    queue.push(6);
    expect(await queue.next()).toEqual([4, 5, 6]);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('commits a partial batch after the wait', async () => {
    const queue = new BatchQueue<number>(100, 5);
    queue.push(1);
    expect(await queue.next()).toEqual([1]);
  });

  it('counts the wait from the oldest item arrival: one that waited out the wait already is taken at once', async () => {
    const queue = new BatchQueue<number>(100, 400);
    queue.push(1);
    await new Promise((resolve) => setTimeout(resolve, 450));
    queue.push(2);
    const started = performance.now();
    expect(await queue.next()).toEqual([1, 2]);
    expect(performance.now() - started).toBeLessThan(200);

    // Half the wait is gone: the batch waits out the other half only.
    queue.push(3);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const waited = performance.now();
    const batch = queue.next();
    setTimeout(() => queue.push(4), 5);
    expect(await batch).toEqual([3, 4]);
    expect(performance.now() - waited).toBeLessThan(350);
  });

  it('with no wait, takes what is there at once', async () => {
    const queue = new BatchQueue<number>(100, 0);
    queue.push(1);
    queue.push(2);
    expect(await queue.next()).toEqual([1, 2]);
  });

  it('on close refuses new items, hands back the waiting ones and ends a waiting consumer with an empty batch', async () => {
    const queue = new BatchQueue<number>(10, 1000);
    const idle = queue.next();
    expect(queue.close()).toEqual([]);
    expect(await idle).toEqual([]);
    expect(queue.push(1)).toBe(false);

    const other = new BatchQueue<number>(10, 60_000);
    other.push(1);
    const collecting = other.next();
    expect(other.close()).toEqual([1]);
    expect(await collecting).toEqual([]);
  });

  it('is idle only with nothing waiting and every batch handed out done', async () => {
    const queue = new BatchQueue<number>(10, 0);
    expect(queue.idle).toBe(true);
    queue.push(1);
    expect(queue.idle).toBe(false);
    const batch = await queue.next();
    expect(queue.idle).toBe(false);
    queue.done(batch.length);
    expect(queue.idle).toBe(true);
    queue.close();
    expect(queue.idle).toBe(false);
  });

  it('waits for a backlog of a full batch, or until told to stop waiting', async () => {
    const queue = new BatchQueue<number>(3, 0);
    let ready = false;
    const backlog = queue.backlog(3).then(() => (ready = true));
    queue.push(1);
    queue.push(2);
    await new Promise((resolve) => setImmediate(resolve));
    expect(ready).toBe(false);
    queue.push(3);
    await backlog;
    expect(ready).toBe(true);
    expect(await queue.next()).toEqual([1, 2, 3]);

    const stopped = queue.backlog(3);
    queue.stopWaiting();
    await stopped;
    queue.push(4);
    expect(await queue.next()).toEqual([4]);
  });
});
