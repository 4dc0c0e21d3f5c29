/**
 * An ordered multiset as a list of sorted chunks (a one-level B+tree): a binary search over the chunks' last
 * keys, then one inside the chunk. Insert and delete move at most one chunk's worth of slots (bounded by
 * MAX_CHUNK) plus, on a split or an emptied chunk, one slot per chunk in the chunk list (n / MAX_CHUNK, a few
 * hundred for a million keys); both are memmoves of pointers, far below the cost of the searches' bigint
 * comparisons at these sizes. The two ends are O(1) to read, so "does anything fire" on a tick is O(1), and
 * walking k items from either end is O(k).
 *
 * Chosen over a binary-heap pair with lazy deletion because deletions (a stop moved, a position closed)
 * are as common as ticks here: a heap keeps dead entries until they surface, and walking every crossed
 * entry without popping needs the sorted order anyway. A skip list would do the same in O(log n) but
 * allocates a node per entry and chases pointers; chunks keep arrays contiguous.
 */
export class SortedChunks<T> {
  private static readonly MAX_CHUNK = 512;
  private chunks: T[][] = [];
  private count = 0;

  constructor(private readonly compare: (a: T, b: T) => number) {}

  get size(): number {
    return this.count;
  }

  min(): T | undefined {
    return this.chunks[0]?.[0];
  }

  max(): T | undefined {
    const last = this.chunks[this.chunks.length - 1];
    return last?.[last.length - 1];
  }

  insert(item: T): void {
    this.count++;
    if (this.chunks.length === 0) {
      this.chunks.push([item]);
      return;
    }
    const chunkIndex = Math.min(this.chunkFor(item), this.chunks.length - 1);
    const chunk = this.chunks[chunkIndex];
    chunk.splice(this.lowerBound(chunk, item), 0, item);
    if (chunk.length > SortedChunks.MAX_CHUNK) {
      this.chunks.splice(chunkIndex + 1, 0, chunk.splice(chunk.length >> 1));
    }
  }

  /** Removes one item equal to `item` (compare === 0); false when there is none. */
  delete(item: T): boolean {
    const chunkIndex = this.chunkFor(item);
    const chunk = this.chunks[chunkIndex];
    if (!chunk) return false;
    const at = this.lowerBound(chunk, item);
    if (at >= chunk.length || this.compare(chunk[at], item) !== 0) return false;
    chunk.splice(at, 1);
    if (chunk.length === 0) this.chunks.splice(chunkIndex, 1);
    this.count--;
    return true;
  }

  /** Items from the smallest up, while `keep(item)` holds. */
  *ascendingWhile(keep: (item: T) => boolean): Generator<T> {
    for (const chunk of this.chunks) {
      for (const item of chunk) {
        if (!keep(item)) return;
        yield item;
      }
    }
  }

  /** Items from the largest down, while `keep(item)` holds. */
  *descendingWhile(keep: (item: T) => boolean): Generator<T> {
    for (let c = this.chunks.length - 1; c >= 0; c--) {
      const chunk = this.chunks[c];
      for (let i = chunk.length - 1; i >= 0; i--) {
        if (!keep(chunk[i])) return;
        yield chunk[i];
      }
    }
  }

  /** Every item in order (tests and invariants). */
  toArray(): T[] {
    return this.chunks.flat();
  }

  /** The first chunk whose last item is >= item (chunks.length when none is). */
  private chunkFor(item: T): number {
    let low = 0;
    let high = this.chunks.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      const chunk = this.chunks[mid];
      if (this.compare(chunk[chunk.length - 1], item) < 0) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  private lowerBound(chunk: T[], item: T): number {
    let low = 0;
    let high = chunk.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (this.compare(chunk[mid], item) < 0) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}
