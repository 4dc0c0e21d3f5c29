import { PendingOrderType, PerpSide, TriggerReason } from './perp-math';
import { SortedChunks } from './sorted-chunks';

/**
 * Every trigger of ONE symbol, indexed by price so a tick costs O(log n + fired), never a scan.
 *
 * Four ordered books, one per way a quote can cross a price:
 *   bidFalling  fires when bid <= p   long liquidation, long stop-loss, short stop order
 *   bidRising   fires when bid >= p   long take-profit, short limit order
 *   askFalling  fires when ask <= p   short take-profit, long limit order
 *   askRising   fires when ask >= p   short liquidation, short stop-loss, long stop order
 * A falling book is walked from its highest price down while p >= the quote; a rising book from its lowest up
 * while p <= the quote. Nothing crossed costs four O(1) peeks.
 *
 * `crossed` only reads; the caller removes what it acts on (`remove`, or `takeCrossed` which does both), so a
 * trigger whose close fails to commit can fire again on the next tick.
 */

export interface PositionTriggerEntry {
  kind: 'position';
  id: string;
  side: PerpSide;
  /** Price units; for a long, 0n means never liquidated by price. */
  liquidationPrice: bigint;
  stopLoss?: bigint | null;
  takeProfit?: bigint | null;
}

export interface OrderTriggerEntry {
  kind: 'order';
  id: string;
  side: PerpSide;
  type: PendingOrderType;
  price: bigint;
}

export type TriggerEntry = PositionTriggerEntry | OrderTriggerEntry;

export interface CrossedPosition {
  kind: 'position';
  id: string;
  side: PerpSide;
  /** After precedence: liquidation, else stop-loss, else take-profit. */
  reason: TriggerReason;
  /** The tick's price for the side (bid for a long, ask for a short). */
  fillPrice: bigint;
  triggerPrice: bigint;
  /** `|fillPrice − triggerPrice|`: slippage for a stop or take-profit, the gap past the liquidation price for a liquidation. */
  slippage: bigint;
}

export interface CrossedOrder {
  kind: 'order';
  id: string;
  side: PerpSide;
  type: PendingOrderType;
  /** The tick's price for the side (ask for a long, bid for a short). */
  fillPrice: bigint;
  triggerPrice: bigint;
  slippage: bigint;
}

export type Crossed = CrossedPosition | CrossedOrder;

type BookName = 'bidFalling' | 'bidRising' | 'askFalling' | 'askRising';

/** Leg kinds in precedence order (a lower number wins for one position). */
const LEG_LIQUIDATION = 0;
const LEG_STOP = 1;
const LEG_TAKE_PROFIT = 2;
const LEG_ORDER = 3;
const REASONS: TriggerReason[] = ['liquidation', 'stop_loss', 'take_profit'];

interface Leg {
  price: bigint;
  id: string;
  leg: number;
  book: BookName;
}

function compareLegs(a: Leg, b: Leg): number {
  if (a.price !== b.price) return a.price < b.price ? -1 : 1;
  if (a.id !== b.id) return a.id < b.id ? -1 : 1;
  return a.leg - b.leg;
}

function legsOf(entry: TriggerEntry): Leg[] {
  const legs: Leg[] = [];
  const add = (price: bigint | null | undefined, leg: number, book: BookName) => {
    if (price != null) legs.push({ price, id: entry.id, leg, book });
  };
  if (entry.kind === 'position') {
    if (entry.side === 'long') {
      if (entry.liquidationPrice > 0n) add(entry.liquidationPrice, LEG_LIQUIDATION, 'bidFalling');
      add(entry.stopLoss, LEG_STOP, 'bidFalling');
      add(entry.takeProfit, LEG_TAKE_PROFIT, 'bidRising');
    } else {
      add(entry.liquidationPrice, LEG_LIQUIDATION, 'askRising');
      add(entry.stopLoss, LEG_STOP, 'askRising');
      add(entry.takeProfit, LEG_TAKE_PROFIT, 'askFalling');
    }
  } else if (entry.side === 'long') {
    add(entry.price, LEG_ORDER, entry.type === 'limit' ? 'askFalling' : 'askRising');
  } else {
    add(entry.price, LEG_ORDER, entry.type === 'limit' ? 'bidRising' : 'bidFalling');
  }
  return legs;
}

const gap = (a: bigint, b: bigint) => (a > b ? a - b : b - a);

export class TriggerIndex {
  private readonly books: Record<BookName, SortedChunks<Leg>> = {
    bidFalling: new SortedChunks(compareLegs),
    bidRising: new SortedChunks(compareLegs),
    askFalling: new SortedChunks(compareLegs),
    askRising: new SortedChunks(compareLegs),
  };
  private readonly entries = new Map<string, { entry: TriggerEntry; legs: Leg[] }>();

  constructor(readonly symbol: string) {}

  /** Entries (positions and orders) held. */
  get size(): number {
    return this.entries.size;
  }

  /** Trigger legs held across the four books. */
  get legCount(): number {
    return Object.values(this.books).reduce((sum, book) => sum + book.size, 0);
  }

  has(id: string): boolean {
    return this.entries.has(id);
  }

  get(id: string): TriggerEntry | undefined {
    return this.entries.get(id)?.entry;
  }

  /** Adds an entry; an entry with the same id is replaced (a moved stop-loss is `add` again). */
  add(entry: TriggerEntry): void {
    this.remove(entry.id);
    const legs = legsOf(entry);
    for (const leg of legs) this.books[leg.book].insert(leg);
    this.entries.set(entry.id, { entry, legs });
  }

  /** Removes every trigger of a position or order; false when the id is not held. */
  remove(id: string): boolean {
    const held = this.entries.get(id);
    if (!held) return false;
    for (const leg of held.legs) this.books[leg.book].delete(leg);
    this.entries.delete(id);
    return true;
  }

  /**
   * The entries this quote crosses: positions first, then pending orders; within each, the trigger crossed
   * first as the price moved (the largest gap between the tick's price and the trigger price) first, then by id.
   * A position appears once, with its precedence-resolved reason.
   */
  crossed(bid: bigint, ask: bigint): Crossed[] {
    const fired: Leg[] = [];
    for (const leg of this.books.bidFalling.descendingWhile((item) => item.price >= bid)) fired.push(leg);
    for (const leg of this.books.bidRising.ascendingWhile((item) => item.price <= bid)) fired.push(leg);
    for (const leg of this.books.askFalling.descendingWhile((item) => item.price >= ask)) fired.push(leg);
    for (const leg of this.books.askRising.ascendingWhile((item) => item.price <= ask)) fired.push(leg);
    if (fired.length === 0) return [];

    const positions = new Map<string, Leg>();
    const orders: CrossedOrder[] = [];
    for (const leg of fired) {
      if (leg.leg === LEG_ORDER) {
        const entry = this.entries.get(leg.id)!.entry as OrderTriggerEntry;
        const fillPrice = entry.side === 'long' ? ask : bid;
        orders.push({ kind: 'order', id: entry.id, side: entry.side, type: entry.type, fillPrice, triggerPrice: leg.price, slippage: gap(fillPrice, leg.price) });
        continue;
      }
      const best = positions.get(leg.id);
      if (!best || leg.leg < best.leg) positions.set(leg.id, leg);
    }
    const crossedPositions: CrossedPosition[] = [];
    for (const leg of positions.values()) {
      const entry = this.entries.get(leg.id)!.entry as PositionTriggerEntry;
      const fillPrice = entry.side === 'long' ? bid : ask;
      crossedPositions.push({
        kind: 'position',
        id: entry.id,
        side: entry.side,
        reason: REASONS[leg.leg],
        fillPrice,
        triggerPrice: leg.price,
        slippage: gap(fillPrice, leg.price),
      });
    }
    const firstCrossed = (a: Crossed, b: Crossed) => (a.slippage !== b.slippage ? (a.slippage > b.slippage ? -1 : 1) : a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
    crossedPositions.sort(firstCrossed);
    orders.sort(firstCrossed);
    return [...crossedPositions, ...orders];
  }

  /** `crossed`, removing what it returns (the caller owns acting on each exactly once). */
  takeCrossed(bid: bigint, ask: bigint): Crossed[] {
    const crossed = this.crossed(bid, ask);
    for (const item of crossed) this.remove(item.id);
    return crossed;
  }
}
