import { DomainError } from '../../common/errors/domain-error';
import { SeededRandom } from '../amm/seeded-random';
import type { BookSide, CommandResult, OrderId, PlaceOrder, SelfTradePrevention, TimeInForce } from './book-types';
import { LinearPool } from './linear-pool';
import { OrderBook } from './order-book';

/**
 * Seeded replays of random commands (place with every time in force, post-only and STP mode, cancel, amend,
 * expire, cancel-all) by four owners on a book with and without a pool. After every command:
 * - cash is conserved: what owners paid and received, the fees and the pool's cash sum to zero;
 * - shares are conserved: owners' net shares equal what the pool sold;
 * - no fill is beyond its order's limit (pool steps included, on average), makers fill at their own price;
 * - the book is not crossed, every level's totals are the sum of its orders, every order is whole lots;
 * - the deltas carry consecutive sequence numbers and, applied to a copy, rebuild the book exactly;
 * and a command that throws changed nothing at all.
 */
const TICKS = 100;
const LOT = 100n;
const OWNERS = ['ann', 'ben', 'cat', 'dan'];

interface Harness {
  readonly book: OrderBook;
  readonly pool?: LinearPool;
  readonly cash: Map<string, bigint>;
  readonly shares: Map<string, bigint>;
  fees: bigint;
  /** The client's copy of the book, built from deltas only. */
  readonly mirror: Map<string, { shares: bigint; orders: number }>;
  /** Limit price of each order while it rests (amend changes it). */
  readonly limits: Map<OrderId, { side: BookSide; price: number; expiresAt: number }>;
  sequence: number;
  readonly startOutstanding: bigint;
}

function harness(withPool: boolean): Harness {
  const pool = withPool ? new LinearPool({ startTick: 20, sharesPerTick: 1_000_000n, ticksPerUnit: TICKS, outstanding: 30_000_000n }) : undefined;
  return {
    book: new OrderBook({ ticksPerUnit: TICKS, takerFeeBps: 150, makerFeeBps: 10 }, pool),
    pool,
    cash: new Map(OWNERS.map((owner) => [owner, 0n])),
    shares: new Map(OWNERS.map((owner) => [owner, 0n])),
    fees: 0n,
    mirror: new Map(),
    limits: new Map(),
    sequence: 0,
    startOutstanding: pool?.outstanding ?? 0n,
  };
}

function state(h: Harness): string {
  return JSON.stringify(
    { snapshot: h.book.snapshot(), orders: [...h.book.restingOrders()], pool: h.pool ? [h.pool.outstanding, h.pool.cash] : null },
    (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value),
  );
}

function randomPlace(random: SeededRandom, id: number, now: number): PlaceOrder {
  const timeInForce = random.pick<TimeInForce>(['GTC', 'GTC', 'GTC', 'GTD', 'IOC', 'FOK']);
  const resting = timeInForce === 'GTC' || timeInForce === 'GTD';
  return {
    id: `p${id}`,
    owner: random.pick(OWNERS),
    side: random.pick<BookSide>(['buy', 'sell']),
    price: random.int(30, 70),
    shares: BigInt(random.int(1, 40_000)) * LOT,
    timeInForce,
    expiresAt: timeInForce === 'GTD' ? now + random.int(1, 50) : undefined,
    postOnly: resting && random.next() < 0.15,
    stp: random.pick<SelfTradePrevention | undefined>([undefined, 'cancel_resting', 'cancel_taker']),
    now,
  };
}

function check(h: Harness, result: CommandResult, taker?: { side: BookSide; price: number }): void {
  // Fills: cash and shares per owner, limits kept, makers at their own price.
  for (const fill of result.fills) {
    const owner = String(fill.owner);
    const sign = fill.side === 'buy' ? 1n : -1n;
    h.cash.set(owner, h.cash.get(owner)! - sign * fill.amount - fill.fee);
    h.shares.set(owner, h.shares.get(owner)! + sign * fill.shares);
    h.fees += fill.fee;
    expect(fill.shares % LOT).toBe(0n);
    expect(fill.shares > 0n).toBe(true);
    const limit = fill.liquidity === 'maker' ? h.limits.get(fill.orderId)!.price : taker!.price;
    const worth = fill.shares * BigInt(limit);
    if (fill.side === 'buy') expect(fill.amount * BigInt(TICKS) <= worth).toBe(true);
    else expect(fill.amount * BigInt(TICKS) >= worth).toBe(true);
    if (fill.liquidity === 'maker') {
      expect(fill.price).toBe(limit);
      expect(fill.amount * BigInt(TICKS)).toBe(worth);
    }
  }
  const ownersCash = [...h.cash.values()].reduce((sum, value) => sum + value, 0n);
  const ownersShares = [...h.shares.values()].reduce((sum, value) => sum + value, 0n);
  expect(ownersCash + h.fees + (h.pool?.cash ?? 0n)).toBe(0n);
  expect(ownersShares).toBe((h.pool?.outstanding ?? 0n) - h.startOutstanding);

  // Deltas: consecutive, and they rebuild the book.
  for (const delta of result.deltas) {
    h.sequence += 1;
    expect(delta.sequence).toBe(h.sequence);
    const key = `${delta.side}:${delta.price}`;
    if (delta.orders === 0) h.mirror.delete(key);
    else h.mirror.set(key, { shares: delta.shares, orders: delta.orders });
  }
  expect(result.sequence).toBe(h.sequence);
  const snapshot = h.book.snapshot();
  const fromSnapshot = new Map([
    ...snapshot.bids.map((level) => [`buy:${level.price}`, { shares: level.shares, orders: level.orders }] as const),
    ...snapshot.asks.map((level) => [`sell:${level.price}`, { shares: level.shares, orders: level.orders }] as const),
  ]);
  expect(new Map([...h.mirror].sort())).toEqual(new Map([...fromSnapshot].sort()));

  // The book: not crossed, levels are the sums of their orders, orders are whole lots.
  if (snapshot.bids.length && snapshot.asks.length) expect(snapshot.bids[0].price).toBeLessThan(snapshot.asks[0].price);
  const sums = new Map<string, { shares: bigint; orders: number }>();
  for (const order of h.book.restingOrders()) {
    expect(order.remainingShares > 0n && order.remainingShares % LOT === 0n).toBe(true);
    expect(order.filledShares + order.remainingShares).toBe(order.shares);
    const key = `${order.side}:${order.price}`;
    const sum = sums.get(key) ?? { shares: 0n, orders: 0 };
    sums.set(key, { shares: sum.shares + order.remainingShares, orders: sum.orders + 1 });
  }
  expect(new Map([...sums].sort())).toEqual(new Map([...fromSnapshot].sort()));

  // Track resting limits for the next commands.
  for (const removed of result.removed) h.limits.delete(removed.id);
  if (result.order) {
    if (result.order.status === 'open') {
      h.limits.set(result.order.id, { side: result.order.side, price: result.order.price, expiresAt: result.order.expiresAt ?? Infinity });
    } else h.limits.delete(result.order.id);
  }
  for (const fill of result.fills) if (fill.remainingShares === 0n) h.limits.delete(fill.orderId);
}

function replay(seed: number, commands: number, withPool: boolean): { fills: number; rejected: number } {
  const random = new SeededRandom(seed);
  const h = harness(withPool);
  let now = 1_000;
  let fills = 0;
  let rejected = 0;
  for (let index = 0; index < commands; index += 1) {
    now += random.int(0, 3);
    const before = state(h);
    const roll = random.next();
    const live = [...h.limits.keys()];
    try {
      let result: CommandResult;
      let taker: { side: BookSide; price: number } | undefined;
      if (roll < 0.6 || live.length === 0) {
        const command = randomPlace(random, index, now);
        taker = { side: command.side, price: command.price };
        result = h.book.place(command);
        // A resting order a taker met after its expiry was expired, never filled.
        for (const fill of result.fills) if (fill.liquidity === 'maker') expect(h.limits.get(fill.orderId)!.expiresAt > now).toBe(true);
      } else if (roll < 0.75) {
        result = h.book.cancel(random.pick(live));
      } else if (roll < 0.9) {
        const id = random.pick(live);
        taker = { side: h.limits.get(id)!.side, price: random.int(30, 70) };
        result = h.book.amend(id, taker.price, now);
      } else if (roll < 0.98) {
        result = h.book.expire(now);
      } else {
        result = h.book.cancelAll(random.pick(OWNERS));
      }
      fills += result.fills.length;
      check(h, result, taker);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      rejected += 1;
      expect(state(h)).toBe(before);
    }
  }
  h.book.cancelAll();
  expect(h.book.snapshot()).toMatchObject({ bids: [], asks: [] });
  return { fills, rejected };
}

describe('OrderBook property: seeded random commands conserve shares and cash', () => {
  it.each([1, 2, 3, 20261203])('seed %i, book and pool', (seed) => {
    const { fills, rejected } = replay(seed, 1_500, true);
    expect(fills).toBeGreaterThan(300);
    expect(rejected).toBeGreaterThan(10);
  });

  it.each([4, 5])('seed %i, book alone', (seed) => {
    const { fills } = replay(seed, 1_500, false);
    expect(fills).toBeGreaterThan(300);
  });
});
