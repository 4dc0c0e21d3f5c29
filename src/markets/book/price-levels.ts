import type { BookSide, OrderId, OwnerId, SelfTradePrevention, TimeInForce } from './book-types';

/** A resting order: a node of its price level's FIFO queue (intrusive doubly-linked list, O(1) unlink). */
export class RestingOrder {
  prev: RestingOrder | null = null;
  next: RestingOrder | null = null;
  /** Shares filled so far, over the order's whole life (an amended order keeps them). */
  filled = 0n;
  /** False once the order left the book (filled, cancelled, expired): the expiry heap drops such entries lazily. */
  live = true;

  constructor(
    readonly id: OrderId,
    readonly owner: OwnerId,
    readonly isBuy: boolean,
    public price: number,
    readonly shares: bigint,
    public remaining: bigint,
    readonly timeInForce: TimeInForce,
    readonly postOnly: boolean,
    /** Epoch ms, Infinity when the order does not expire. */
    readonly expiresAt: number,
    readonly stp: SelfTradePrevention,
    public level: PriceLevel,
  ) {}
}

/** All resting orders of one side at one price, oldest first, with their running totals. */
export class PriceLevel {
  head: RestingOrder | null = null;
  tail: RestingOrder | null = null;
  shares = 0n;
  orders = 0;
  /** The command that last changed this level, so each command reports one delta per level it touched. */
  touchedBy = 0;

  constructor(
    readonly side: BookSide,
    readonly price: number,
  ) {}

  append(order: RestingOrder): void {
    order.prev = this.tail;
    order.next = null;
    if (this.tail) this.tail.next = order;
    else this.head = order;
    this.tail = order;
    this.shares += order.remaining;
    this.orders += 1;
  }

  unlink(order: RestingOrder): void {
    if (order.prev) order.prev.next = order.next;
    else this.head = order.next;
    if (order.next) order.next.prev = order.prev;
    else this.tail = order.prev;
    order.prev = null;
    order.next = null;
    this.shares -= order.remaining;
    this.orders -= 1;
  }
}

/**
 * One side of the book: a level per tick (ticks are bounded, 1 .. ticksPerUnit - 1) and a bitset of the
 * non-empty ones, so the best price is cached and the next one is found 32 ticks per step with clz32.
 * Levels are created once and kept when they empty, so a level emptied and refilled in one command is one delta.
 */
export class BookSideLevels {
  private readonly levels: (PriceLevel | undefined)[];
  private readonly occupied: Uint32Array;
  /** Best non-empty tick, or 0 (no bid) / maxTick + 1 (no ask) when the side is empty. */
  best: number;

  constructor(
    readonly side: BookSide,
    readonly maxTick: number,
  ) {
    this.levels = new Array<PriceLevel | undefined>(maxTick + 2);
    this.occupied = new Uint32Array((maxTick >>> 5) + 2);
    this.best = this.empty();
  }

  /** The value `best` has when the side is empty. */
  empty(): number {
    return this.side === 'buy' ? 0 : this.maxTick + 1;
  }

  isEmpty(): boolean {
    return this.best === this.empty();
  }

  levelAt(tick: number): PriceLevel {
    let level = this.levels[tick];
    if (!level) {
      level = new PriceLevel(this.side, tick);
      this.levels[tick] = level;
    }
    return level;
  }

  /** The level at `tick` if it holds orders. */
  occupiedLevel(tick: number): PriceLevel | undefined {
    const level = this.levels[tick];
    return level && level.orders > 0 ? level : undefined;
  }

  /** Call after appending to a level that was empty. */
  markOccupied(tick: number): void {
    this.occupied[tick >>> 5] |= 1 << (tick & 31);
    if (this.side === 'buy' ? tick > this.best : tick < this.best) this.best = tick;
  }

  /** Call after a level emptied. */
  markEmpty(tick: number): void {
    this.occupied[tick >>> 5] &= ~(1 << (tick & 31));
    if (tick === this.best) this.best = this.nextAfter(tick);
  }

  /** The next non-empty tick after `tick` going away from the best price, or the empty marker. */
  nextAfter(tick: number): number {
    return this.side === 'buy' ? this.highestAtOrBelow(tick - 1) : this.lowestAtOrAbove(tick + 1);
  }

  /** Non-empty levels from the best outward. */
  *walk(): Generator<PriceLevel> {
    for (let tick = this.best; tick !== this.empty(); tick = this.nextAfter(tick)) yield this.levels[tick]!;
  }

  private lowestAtOrAbove(tick: number): number {
    if (tick > this.maxTick) return this.maxTick + 1;
    let word = tick >>> 5;
    let bits = this.occupied[word] & (0xffffffff << (tick & 31));
    const lastWord = this.occupied.length - 1;
    while (bits === 0) {
      word += 1;
      if (word > lastWord) return this.maxTick + 1;
      bits = this.occupied[word];
    }
    const found = (word << 5) + (31 - Math.clz32(bits & -bits));
    return found > this.maxTick ? this.maxTick + 1 : found;
  }

  private highestAtOrBelow(tick: number): number {
    if (tick < 1) return 0;
    let word = tick >>> 5;
    const bit = tick & 31;
    let bits = this.occupied[word] & (bit === 31 ? 0xffffffff : (1 << (bit + 1)) - 1);
    while (bits === 0) {
      word -= 1;
      if (word < 0) return 0;
      bits = this.occupied[word];
    }
    return (word << 5) + (31 - Math.clz32(bits));
  }
}
