import { DomainError } from '../../common/errors/domain-error';
import { createMarketMaker } from '../amm/lmsr';
import { checkPoolInvariant } from '../amm/pool';
import { SeededRandom } from '../amm/seeded-random';
import type { BookSide, CommandResult, MarketOrder, MarketOrderResult, OrderId, PlaceOrder, SelfTradePrevention, TimeInForce } from './book-types';
import { LinearPool } from './linear-pool';
import { LmsrMarketPool } from './lmsr-pool';
import { OrderBook } from './order-book';

/**
 * Seeded replays of random commands (place with every time in force, post-only and STP mode, market buys and
 * sells (quoted first: the quote changes nothing and equals the trade), cancel, amend, expire, cancel-all) by four owners: one book alone, one book on a linear pool, and the two books of a
 * 2-outcome LMSR sharing one pool. After every command:
 * - cash is conserved: what owners paid and received, the fees and the pool's cash sum to zero;
 * - shares are conserved per outcome: owners' net shares equal what the pool sold of it;
 * - the LMSR pool can pay the worst outcome (subsidy + its cash >= the most outstanding shares);
 * - no fill is beyond its order's limit (pool steps included, on average), makers fill at their own price,
 *   and no maker fills after its expiry;
 * - the book is not crossed, every level's totals are the sum of its orders, every order is whole lots;
 * - the deltas carry consecutive sequence numbers and, applied to a copy, rebuild the book exactly;
 * and a command that throws changed nothing at all.
 */
const TICKS = 100;
const LOT = 100n;
const SHARE = 1_000_000n;
const OWNERS = ['ann', 'ben', 'cat', 'dan'];

/** What the test reads of a pool: outstanding shares per outcome and its net cash. */
interface PoolView {
  outstanding(outcome: number): bigint;
  cash(): bigint;
  /** Throws if the pool could not pay its worst outcome. */
  assertSolvent(): void;
}

interface BookUnderTest {
  readonly book: OrderBook;
  /** The client's copy of the book, built from deltas only. */
  readonly mirror: Map<string, { shares: bigint; orders: number }>;
  /** Limit price and expiry of each resting order (amend changes the price). */
  readonly limits: Map<OrderId, { side: BookSide; price: number; expiresAt: number }>;
  sequence: number;
}

interface Harness {
  readonly books: BookUnderTest[];
  readonly pool?: PoolView;
  readonly startOutstanding: bigint[];
  readonly cash: Map<string, bigint>;
  /** Net shares per owner, one entry per outcome. */
  readonly shares: Map<string, bigint[]>;
  fees: bigint;
}

type Setup = 'book alone' | 'linear pool' | 'two-outcome LMSR';

function harness(setup: Setup): Harness {
  const config = { ticksPerUnit: TICKS, takerFeeBps: 150, makerFeeBps: 10 };
  let pool: PoolView | undefined;
  let books: OrderBook[];
  if (setup === 'book alone') {
    books = [new OrderBook(config)];
  } else if (setup === 'linear pool') {
    const linear = new LinearPool({ startTick: 20, sharesPerTick: SHARE, ticksPerUnit: TICKS, outstanding: 30n * SHARE });
    pool = { outstanding: () => linear.outstanding, cash: () => linear.cash, assertSolvent: () => undefined };
    books = [new OrderBook(config, linear)];
  } else {
    const subsidy = 200n * SHARE;
    const lmsr = new LmsrMarketPool(createMarketMaker({ outcomeCount: 2, subsidy }), TICKS);
    pool = {
      outstanding: (outcome) => lmsr.state.outstandingShares[outcome],
      cash: () => lmsr.cash,
      assertSolvent: () => expect(checkPoolInvariant(lmsr.state, subsidy + lmsr.cash).holds).toBe(true),
    };
    books = [new OrderBook(config, lmsr.outcome(0)), new OrderBook(config, lmsr.outcome(1))];
  }
  return {
    books: books.map((book) => ({ book, mirror: new Map(), limits: new Map(), sequence: 0 })),
    pool,
    startOutstanding: books.map((_, outcome) => pool?.outstanding(outcome) ?? 0n),
    cash: new Map(OWNERS.map((owner) => [owner, 0n])),
    shares: new Map(OWNERS.map((owner) => [owner, books.map(() => 0n)])),
    fees: 0n,
  };
}

function state(h: Harness): string {
  return JSON.stringify(
    {
      books: h.books.map(({ book }) => ({ snapshot: book.snapshot(), orders: [...book.restingOrders()] })),
      pool: h.pool ? [h.pool.cash(), ...h.books.map((_, outcome) => h.pool!.outstanding(outcome))] : null,
    },
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

/**
 * A market order's command for the replay: a buy of a few USDC, or a sell of a few shares the owner holds (and the
 * pool could buy back); sized to each pool's depth (the linear pool moves a tick per share, the LMSR about a tick per
 * 3 USDC) so the pool stays among the resting orders and market orders reach them.
 */
function randomMarketOrder(random: SeededRandom, h: Harness, id: number, outcome: number, now: number): MarketOrder {
  const owner = random.pick(OWNERS);
  const held = h.shares.get(owner)![outcome];
  const room = h.pool ? h.pool.outstanding(outcome) : held;
  const sellable = held < room ? held : room;
  const slippage = random.next() < 0.1;
  const scale = h.books.length > 1 ? 10 : 1;
  if (random.next() < 0.5 || sellable <= 0n) {
    const amount = BigInt(random.int(1, 3_000_000 * scale));
    return { id: `m${id}`, owner, side: 'buy', amount, minShares: slippage ? BigInt(random.int(1, 6_000_000)) : undefined, now };
  }
  const most = BigInt(6_000_000 * scale);
  const shares = BigInt(random.int(1, Number(sellable < most ? sellable : most)));
  return { id: `m${id}`, owner, side: 'sell', shares, minProceeds: slippage ? BigInt(random.int(1, 3_000_000)) : undefined, now };
}

/** A market order, quoted first (nothing may change) and then executed: the quote's totals are the trade's. */
function quotedMarketOrder(h: Harness, book: OrderBook, command: MarketOrder): CommandResult {
  const before = state(h);
  let quoted: MarketOrderResult | undefined;
  let refusal: unknown;
  try {
    quoted = book.marketOrder({ ...command, execute: false });
  } catch (error) {
    refusal = error;
  }
  expect(state(h)).toBe(before);
  if (refusal) {
    expect(() => book.marketOrder(command)).toThrow((refusal as Error).constructor as new () => Error);
    throw refusal;
  }
  const result = book.marketOrder(command);
  expect([result.shares, result.cash, result.fee, result.metBook]).toEqual([quoted!.shares, quoted!.cash, quoted!.fee, quoted!.metBook]);
  if (command.side === 'buy') {
    expect(result.cash <= command.amount!).toBe(true);
    if (command.minShares !== undefined) expect(result.shares >= command.minShares).toBe(true);
  } else {
    if (h.pool) expect(result.shares).toBe(command.shares);
    if (command.minProceeds !== undefined) expect(result.cash >= command.minProceeds).toBe(true);
  }
  return result;
}

function check(h: Harness, outcome: number, result: CommandResult, now: number, taker?: { side: BookSide; price: number }): void {
  const under = h.books[outcome];
  // Fills: cash and shares per owner, limits kept, makers at their own price and never after their expiry.
  for (const fill of result.fills) {
    const owner = String(fill.owner);
    const sign = fill.side === 'buy' ? 1n : -1n;
    h.cash.set(owner, h.cash.get(owner)! - sign * fill.amount - fill.fee);
    h.shares.get(owner)![outcome] += sign * fill.shares;
    h.fees += fill.fee;
    const resting = fill.liquidity === 'maker' ? under.limits.get(fill.orderId)! : undefined;
    // A market order (no taker limit) takes any units from the pool; book fills are whole lots.
    if (!taker && !resting) {
      expect(fill.shares > 0n && (fill.counterparty === 'pool' || fill.shares % LOT === 0n)).toBe(true);
      continue;
    }
    expect(fill.shares > 0n && fill.shares % LOT === 0n).toBe(true);
    const limit = resting ? resting.price : taker!.price;
    const worth = fill.shares * BigInt(limit);
    if (fill.side === 'buy') expect(fill.amount * BigInt(TICKS) <= worth).toBe(true);
    else expect(fill.amount * BigInt(TICKS) >= worth).toBe(true);
    if (resting) {
      expect(fill.price).toBe(limit);
      expect(fill.amount * BigInt(TICKS)).toBe(worth);
      expect(resting.expiresAt > now).toBe(true);
    }
  }
  const ownersCash = [...h.cash.values()].reduce((sum, value) => sum + value, 0n);
  expect(ownersCash + h.fees + (h.pool?.cash() ?? 0n)).toBe(0n);
  h.books.forEach((_, index) => {
    const ownersShares = [...h.shares.values()].reduce((sum, shares) => sum + shares[index], 0n);
    expect(ownersShares).toBe((h.pool?.outstanding(index) ?? 0n) - h.startOutstanding[index]);
  });
  h.pool?.assertSolvent();

  // Deltas: consecutive, and they rebuild the book.
  for (const delta of result.deltas) {
    under.sequence += 1;
    expect(delta.sequence).toBe(under.sequence);
    const key = `${delta.side}:${delta.price}`;
    if (delta.orders === 0) under.mirror.delete(key);
    else under.mirror.set(key, { shares: delta.shares, orders: delta.orders });
  }
  expect(result.sequence).toBe(under.sequence);
  const snapshot = under.book.snapshot();
  const fromSnapshot = new Map([
    ...snapshot.bids.map((level) => [`buy:${level.price}`, { shares: level.shares, orders: level.orders }] as const),
    ...snapshot.asks.map((level) => [`sell:${level.price}`, { shares: level.shares, orders: level.orders }] as const),
  ]);
  expect(new Map([...under.mirror].sort())).toEqual(new Map([...fromSnapshot].sort()));

  // The book: not crossed, levels are the sums of their orders, orders are whole lots.
  if (snapshot.bids.length && snapshot.asks.length) expect(snapshot.bids[0].price).toBeLessThan(snapshot.asks[0].price);
  const sums = new Map<string, { shares: bigint; orders: number }>();
  for (const order of under.book.restingOrders()) {
    expect(order.remainingShares > 0n && order.remainingShares % LOT === 0n).toBe(true);
    expect(order.filledShares + order.remainingShares).toBe(order.shares);
    const key = `${order.side}:${order.price}`;
    const sum = sums.get(key) ?? { shares: 0n, orders: 0 };
    sums.set(key, { shares: sum.shares + order.remainingShares, orders: sum.orders + 1 });
  }
  expect(new Map([...sums].sort())).toEqual(new Map([...fromSnapshot].sort()));

  // Track resting limits for the next commands.
  for (const removed of result.removed) under.limits.delete(removed.id);
  if (result.order) {
    if (result.order.status === 'open') {
      under.limits.set(result.order.id, { side: result.order.side, price: result.order.price, expiresAt: result.order.expiresAt ?? Infinity });
    } else under.limits.delete(result.order.id);
  }
  for (const fill of result.fills) if (fill.remainingShares === 0n) under.limits.delete(fill.orderId);
}

function replay(seed: number, commands: number, setup: Setup): { fills: number; poolFills: number; rejected: number; routed: number } {
  const random = new SeededRandom(seed);
  const h = harness(setup);
  let now = 1_000;
  let fills = 0;
  let poolFills = 0;
  let rejected = 0;
  // Market orders that met the book (filled or removed a resting order).
  let routed = 0;
  for (let index = 0; index < commands; index += 1) {
    now += random.int(0, 3);
    const outcome = random.int(0, h.books.length - 1);
    const { book, limits } = h.books[outcome];
    const before = state(h);
    const roll = random.next();
    const live = [...limits.keys()];
    try {
      let result: CommandResult;
      let taker: { side: BookSide; price: number } | undefined;
      if (roll < 0.12) {
        result = quotedMarketOrder(h, book, randomMarketOrder(random, h, index, outcome, now));
        if ((result as MarketOrderResult).metBook) routed += 1;
      } else if (roll < 0.6 || live.length === 0) {
        const command = randomPlace(random, index, now);
        taker = { side: command.side, price: command.price };
        result = book.place(command);
      } else if (roll < 0.75) {
        result = book.cancel(random.pick(live));
      } else if (roll < 0.9) {
        const id = random.pick(live);
        taker = { side: limits.get(id)!.side, price: random.int(30, 70) };
        result = book.amend(id, taker.price, now);
      } else if (roll < 0.98) {
        result = book.expire(now);
      } else {
        result = book.cancelAll(random.pick(OWNERS));
      }
      fills += result.fills.length;
      poolFills += result.fills.filter((fill) => fill.counterparty === 'pool').length;
      check(h, outcome, result, now, taker);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      rejected += 1;
      expect(state(h)).toBe(before);
    }
  }
  for (const { book } of h.books) {
    book.cancelAll();
    expect(book.snapshot()).toMatchObject({ bids: [], asks: [] });
  }
  return { fills, poolFills, rejected, routed };
}

describe('OrderBook property: seeded random commands conserve shares and cash', () => {
  it.each([1, 2, 3, 20261203])('seed %i, a book on a linear pool', (seed) => {
    const { fills, poolFills, rejected, routed } = replay(seed, 1_200, 'linear pool');
    expect(fills).toBeGreaterThan(300);
    expect(routed).toBeGreaterThan(10);
    expect(poolFills).toBeGreaterThan(50);
    expect(rejected).toBeGreaterThan(10);
  });

  it.each([4, 5])('seed %i, a book alone', (seed) => {
    const { fills, routed } = replay(seed, 1_200, 'book alone');
    expect(fills).toBeGreaterThan(300);
    expect(routed).toBeGreaterThan(10);
  });

  it.each([6, 7])('seed %i, two books on one 2-outcome LMSR', (seed) => {
    const { fills, poolFills, routed } = replay(seed, 1_000, 'two-outcome LMSR');
    expect(fills).toBeGreaterThan(100);
    expect(routed).toBeGreaterThan(3);
    expect(poolFills).toBeGreaterThan(20);
  });
});
