import type { RestingOrder } from './price-levels';

/**
 * Resting GTD orders by expiresAt (a binary min-heap). Cancelled or filled orders are not searched for and
 * removed: they stay until they reach the top and are dropped there (`live` is false), and the heap is rebuilt
 * from its live entries when dead ones outnumber them, so it stays O(live GTD orders).
 */
export class ExpiryQueue {
  private heap: RestingOrder[] = [];
  private liveCount = 0;

  get size(): number {
    return this.liveCount;
  }

  push(order: RestingOrder): void {
    this.heap.push(order);
    this.liveCount += 1;
    this.siftUp(this.heap.length - 1);
  }

  /** Call when a queued order leaves the book for another reason than expiring. */
  forget(): void {
    this.liveCount -= 1;
    if (this.heap.length > 64 && this.heap.length > 2 * this.liveCount) this.rebuild();
  }

  /** Removes and returns the live orders with expiresAt <= now, earliest first. The caller takes them off the book. */
  takeDue(now: number): RestingOrder[] {
    const due: RestingOrder[] = [];
    while (this.heap.length > 0) {
      const top = this.heap[0];
      if (top.live && top.expiresAt > now) break;
      this.popTop();
      if (top.live) {
        this.liveCount -= 1;
        due.push(top);
      }
    }
    return due;
  }

  private rebuild(): void {
    this.heap = this.heap.filter((order) => order.live);
    for (let index = (this.heap.length >>> 1) - 1; index >= 0; index -= 1) this.siftDown(index);
  }

  private popTop(): void {
    const last = this.heap.pop()!;
    if (this.heap.length > 0) {
      this.heap[0] = last;
      this.siftDown(0);
    }
  }

  private siftUp(index: number): void {
    const heap = this.heap;
    const item = heap[index];
    while (index > 0) {
      const parent = (index - 1) >>> 1;
      if (heap[parent].expiresAt <= item.expiresAt) break;
      heap[index] = heap[parent];
      index = parent;
    }
    heap[index] = item;
  }

  private siftDown(index: number): void {
    const heap = this.heap;
    const item = heap[index];
    const length = heap.length;
    for (;;) {
      let child = 2 * index + 1;
      if (child >= length) break;
      if (child + 1 < length && heap[child + 1].expiresAt < heap[child].expiresAt) child += 1;
      if (heap[child].expiresAt >= item.expiresAt) break;
      heap[index] = heap[child];
      index = child;
    }
    heap[index] = item;
  }
}
