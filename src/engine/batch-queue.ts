/**
 * Commands waiting for the leader's next batch, in arrival order. One consumer (the shard's batch loop)
 * calls `next`: it waits for a first item, then for the batch to fill up or for the oldest item to have waited
 * `maxWaitMs`, whichever comes first, and takes at most `maxSize`. Items pushed meanwhile wait for the next call.
 * An item that already waited that long (it arrived while the previous batch committed) is taken at once.
 */
export class BatchQueue<T> {
  private items: T[] = [];
  /** performance.now() at which each waiting item arrived, parallel to `items`. */
  private arrivals: number[] = [];
  private closed = false;
  private wake: (() => void) | null = null;
  private wakeAt = Number.POSITIVE_INFINITY;
  /** Items handed out by `next` whose batch the consumer has not reported `done` yet. */
  private taken = 0;

  constructor(
    private readonly maxSize: number,
    private readonly maxWaitMs: number,
  ) {}

  get length(): number {
    return this.items.length;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Open, nothing waiting and every batch handed out reported done: an item pushed now would be next and alone. */
  get idle(): boolean {
    return !this.closed && this.items.length === 0 && this.taken === 0;
  }

  /** False once closed: the item was not queued. */
  push(item: T): boolean {
    if (this.closed) return false;
    this.items.push(item);
    this.arrivals.push(performance.now());
    if (this.items.length >= this.wakeAt) this.wake?.();
    return true;
  }

  /** The next batch; empty only once the queue is closed and drained. */
  async next(): Promise<T[]> {
    if (this.items.length === 0 && !this.closed) await this.waitFor(1, null);
    if (this.items.length === 0) return [];
    const waitLeft = this.maxWaitMs - (performance.now() - this.arrivals[0]);
    if (this.items.length < this.maxSize && waitLeft > 0 && !this.closed) await this.waitFor(this.maxSize, waitLeft);
    const batch = this.items.splice(0, this.maxSize);
    this.arrivals.splice(0, batch.length);
    this.taken += batch.length;
    return batch;
  }

  /**
   * Resolves once at least `count` items wait (a full batch), the queue closes, or `stopWaiting` is called.
   * Not while `next` waits (one consumer).
   */
  backlog(count: number): Promise<void> {
    if (this.items.length >= count || this.closed) return Promise.resolve();
    return this.waitFor(count, null);
  }

  /** Ends a `backlog` wait early. */
  stopWaiting(): void {
    this.wake?.();
  }

  /** The consumer finished with `count` items from `next` (committed, failed, answered). */
  done(count: number): void {
    this.taken -= count;
  }

  /** Stops intake and hands back what was still waiting (it will not be batched). */
  close(): T[] {
    this.closed = true;
    this.wake?.();
    this.arrivals = [];
    return this.items.splice(0);
  }

  private waitFor(count: number, timeoutMs: number | null): Promise<void> {
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | null = null;
      const done = () => {
        if (timer) clearTimeout(timer);
        this.wake = null;
        this.wakeAt = Number.POSITIVE_INFINITY;
        resolve();
      };
      if (timeoutMs !== null) timer = setTimeout(done, timeoutMs);
      this.wakeAt = count;
      this.wake = done;
    });
  }
}
