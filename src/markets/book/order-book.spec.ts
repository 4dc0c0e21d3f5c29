import { FillOrKillUnfilled, InvalidOrder, WouldCrossBook } from './book-errors';
import type { PlaceOrder } from './book-types';
import { OrderBook } from './order-book';

/** tickSize 0.01: ticks 1..99, one lot = 100 share units (0.0001 share), so 1 share = 10,000 lots. */
const SHARE = 1_000_000n;
const book = (options: { takerFeeBps?: number; makerFeeBps?: number } = {}) =>
  new OrderBook({ ticksPerUnit: 100, takerFeeBps: options.takerFeeBps ?? 0, makerFeeBps: options.makerFeeBps });

let nextId = 0;
function order(overrides: Partial<PlaceOrder> & Pick<PlaceOrder, 'side' | 'price'>): PlaceOrder {
  nextId += 1;
  return { id: `o${nextId}`, owner: 'alice', shares: SHARE, timeInForce: 'GTC', ...overrides };
}

describe('OrderBook: validation (nothing moves)', () => {
  const cases: [string, Partial<PlaceOrder>][] = [
    ['an off-tick price', { price: 40.5 }],
    ['price 0', { price: 0 }],
    ['price 1 (tick 100)', { price: 100 }],
    ['zero shares', { shares: 0n }],
    ['shares that are not whole lots', { shares: 150n }],
    ['GTD without expiresAt', { timeInForce: 'GTD' }],
    ['GTD already expired', { timeInForce: 'GTD', expiresAt: 1_000, now: 1_000 }],
    ['expiresAt on a GTC order', { expiresAt: 5_000 }],
    ['post-only IOC', { timeInForce: 'IOC', postOnly: true }],
    ['an unknown time in force', { timeInForce: 'DAY' as PlaceOrder['timeInForce'] }],
  ];
  it.each(cases)('refuses %s with InvalidOrder', (_name, overrides) => {
    const b = book();
    b.place(order({ side: 'sell', price: 60 }));
    const before = b.snapshot();
    expect(() => b.place(order({ side: 'buy', price: 40, ...overrides }))).toThrow(InvalidOrder);
    expect(b.snapshot()).toEqual(before);
  });

  it('refuses an id that is already resting', () => {
    const b = book();
    b.place(order({ id: 'same', side: 'buy', price: 40 }));
    expect(() => b.place(order({ id: 'same', side: 'buy', price: 41 }))).toThrow(InvalidOrder);
  });

  it('refuses a lot size that would leave fractions of a cash unit', () => {
    expect(() => new OrderBook({ ticksPerUnit: 100, lotSize: 50n, takerFeeBps: 0 })).toThrow(InvalidOrder);
  });
});

describe('OrderBook: price-time priority and partial fills', () => {
  it('fills the better price first, then the older order at a price', () => {
    const b = book();
    b.place(order({ id: 'late41', owner: 'm1', side: 'sell', price: 41 }));
    b.place(order({ id: 'early42', owner: 'm2', side: 'sell', price: 42 }));
    b.place(order({ id: 'late42', owner: 'm3', side: 'sell', price: 42 }));
    b.place(order({ id: 'first40', owner: 'm4', side: 'sell', price: 40, shares: SHARE / 2n }));

    const result = b.place(order({ id: 'taker', owner: 'bob', side: 'buy', price: 42, shares: 3n * SHARE }));

    const makers = result.fills.filter((fill) => fill.liquidity === 'maker').map((fill) => [fill.orderId, fill.price, fill.shares]);
    expect(makers).toEqual([
      ['first40', 40, SHARE / 2n],
      ['late41', 41, SHARE],
      ['early42', 42, SHARE],
      ['late42', 42, SHARE / 2n],
    ]);
    expect(result.order).toMatchObject({ status: 'filled', filledShares: 3n * SHARE, remainingShares: 0n });
    // The partly filled maker keeps its place at the front of its level.
    expect(b.order('late42')).toMatchObject({ status: 'open', filledShares: SHARE / 2n, remainingShares: SHARE / 2n });
    expect(b.snapshot().asks).toEqual([{ price: 42, shares: SHARE / 2n, orders: 1 }]);
  });

  it('pays the maker its own price and rests the rest of a GTC taker at its limit', () => {
    const b = book();
    b.place(order({ id: 'ask', owner: 'm', side: 'sell', price: 45, shares: SHARE }));
    const result = b.place(order({ id: 'bid', owner: 't', side: 'buy', price: 50, shares: 3n * SHARE }));
    const [taker, maker] = result.fills;
    expect(taker).toMatchObject({ liquidity: 'taker', counterparty: 'book', side: 'buy', price: 45, shares: SHARE, amount: 450_000n, remainingShares: 2n * SHARE });
    expect(maker).toMatchObject({ liquidity: 'maker', counterparty: 'book', side: 'sell', orderId: 'ask', amount: 450_000n, remainingShares: 0n, tradeId: taker.tradeId });
    expect(result.order).toMatchObject({ status: 'open', filledShares: SHARE, remainingShares: 2n * SHARE, price: 50 });
    expect(b.snapshot()).toMatchObject({ bids: [{ price: 50, shares: 2n * SHARE, orders: 1 }], asks: [] });
  });

  it('charges the taker fee and the maker fee in basis points of the amount, rounded down', () => {
    const b = book({ takerFeeBps: 100, makerFeeBps: 25 });
    b.place(order({ owner: 'm', side: 'buy', price: 37, shares: 1_234_500n }));
    const [taker, maker] = b.place(order({ owner: 't', side: 'sell', price: 30, shares: 1_234_500n })).fills;
    expect(taker.amount).toBe(456_765n); // 1.2345 shares at 0.37
    expect(taker.fee).toBe(4_567n);
    expect(maker.fee).toBe(1_141n);
  });

  it('charges makers nothing by default (MAKER_FEE_BPS 0)', () => {
    const b = book({ takerFeeBps: 100 });
    b.place(order({ owner: 'm', side: 'buy', price: 50 }));
    const [taker, maker] = b.place(order({ owner: 't', side: 'sell', price: 50 })).fills;
    expect([taker.fee, maker.fee]).toEqual([5_000n, 0n]);
  });
});

describe('OrderBook: time in force', () => {
  it('IOC fills what it can and cancels the rest', () => {
    const b = book();
    b.place(order({ owner: 'm', side: 'sell', price: 50 }));
    const result = b.place(order({ owner: 't', side: 'buy', price: 55, shares: 2n * SHARE, timeInForce: 'IOC' }));
    expect(result.order).toMatchObject({ status: 'cancelled', reason: 'ioc', filledShares: SHARE, remainingShares: SHARE });
    expect(b.snapshot()).toMatchObject({ bids: [], asks: [] });
  });

  it('IOC that crosses nothing is cancelled whole', () => {
    const b = book();
    const result = b.place(order({ side: 'buy', price: 55, timeInForce: 'IOC' }));
    expect(result.order).toMatchObject({ status: 'cancelled', filledShares: 0n });
    expect(result.deltas).toEqual([]);
  });

  it('FOK fills entirely when it can', () => {
    const b = book();
    b.place(order({ owner: 'm1', side: 'sell', price: 50 }));
    b.place(order({ owner: 'm2', side: 'sell', price: 51 }));
    const result = b.place(order({ owner: 't', side: 'buy', price: 51, shares: 2n * SHARE, timeInForce: 'FOK' }));
    expect(result.order).toMatchObject({ status: 'filled', filledShares: 2n * SHARE });
  });

  it('FOK that cannot fill entirely moves nothing: no fill, no STP cancel, no expiry, same sequence', () => {
    const b = book();
    b.place(order({ owner: 't', side: 'sell', price: 49 })); // the taker's own: STP would cancel it
    b.place(order({ owner: 'm1', side: 'sell', price: 50, timeInForce: 'GTD', expiresAt: 1_000 })); // expired at now
    b.place(order({ owner: 'm2', side: 'sell', price: 51 }));
    b.place(order({ owner: 'm3', side: 'sell', price: 53 })); // beyond the limit
    const before = b.snapshot();
    const resting = [...b.restingOrders()];

    expect(() => b.place(order({ owner: 't', side: 'buy', price: 52, shares: 2n * SHARE, timeInForce: 'FOK', now: 2_000 }))).toThrow(FillOrKillUnfilled);

    expect(b.snapshot()).toEqual(before);
    expect([...b.restingOrders()]).toEqual(resting);
  });

  it('GTD rests until expire(now) reaches its expiresAt', () => {
    const b = book();
    const gtd = b.place(order({ id: 'gtd', side: 'buy', price: 40, timeInForce: 'GTD', expiresAt: 5_000, now: 1_000 }));
    expect(gtd.order).toMatchObject({ status: 'open', expiresAt: 5_000 });
    expect(b.expire(4_999).removed).toEqual([]);
    const expired = b.expire(5_000);
    expect(expired.removed).toEqual([expect.objectContaining({ id: 'gtd', status: 'expired', reason: 'expired' })]);
    expect(expired.deltas).toEqual([expect.objectContaining({ side: 'buy', price: 40, shares: 0n, orders: 0 })]);
    expect(b.order('gtd')).toBeUndefined();
  });

  it('a taker never fills an order that expired before the taker arrived; it expires it', () => {
    const b = book();
    b.place(order({ id: 'old', owner: 'm1', side: 'sell', price: 50, timeInForce: 'GTD', expiresAt: 1_000 }));
    b.place(order({ id: 'live', owner: 'm2', side: 'sell', price: 51 }));
    const result = b.place(order({ owner: 't', side: 'buy', price: 55, now: 1_000 }));
    expect(result.fills.map((fill) => fill.orderId)).toContain('live');
    expect(result.fills.map((fill) => fill.orderId)).not.toContain('old');
    expect(result.removed).toEqual([expect.objectContaining({ id: 'old', status: 'expired' })]);
    expect(b.expire(10_000).removed).toEqual([]); // already gone from the expiry queue
  });

  it('a cancelled GTD order does not expire later', () => {
    const b = book();
    b.place(order({ id: 'gtd', side: 'buy', price: 40, timeInForce: 'GTD', expiresAt: 5_000 }));
    b.cancel('gtd');
    expect(b.expire(6_000).removed).toEqual([]);
  });
});

describe('OrderBook: post-only', () => {
  it('rests when it would not take', () => {
    const b = book();
    b.place(order({ side: 'sell', price: 50 }));
    expect(b.place(order({ side: 'buy', price: 49, postOnly: true })).order).toMatchObject({ status: 'open', postOnly: true });
  });

  it('is refused with WouldCrossBook when it would take, and nothing moves', () => {
    const b = book();
    b.place(order({ owner: 'm', side: 'sell', price: 50 }));
    const before = b.snapshot();
    expect(() => b.place(order({ owner: 't', side: 'buy', price: 50, postOnly: true }))).toThrow(WouldCrossBook);
    expect(b.snapshot()).toEqual(before);
  });

  it('a post-only order moved across the book is refused and stays where it was', () => {
    const b = book();
    b.place(order({ id: 'maker', side: 'buy', price: 45, postOnly: true }));
    b.place(order({ owner: 'm', side: 'sell', price: 50 }));
    expect(() => b.amend('maker', 50)).toThrow(WouldCrossBook);
    expect(b.order('maker')).toMatchObject({ price: 45, status: 'open' });
  });
});

describe('OrderBook: self-trade prevention', () => {
  it('cancel_resting (default) cancels the taker owner\'s resting orders it meets and fills on', () => {
    const b = book();
    b.place(order({ id: 'mine', owner: 'alice', side: 'sell', price: 50 }));
    b.place(order({ id: 'theirs', owner: 'bob', side: 'sell', price: 51 }));
    const result = b.place(order({ owner: 'alice', side: 'buy', price: 51 }));
    expect(result.removed).toEqual([expect.objectContaining({ id: 'mine', status: 'cancelled', reason: 'self_trade', remainingShares: SHARE })]);
    expect(result.fills.find((fill) => fill.liquidity === 'maker')).toMatchObject({ orderId: 'theirs' });
    expect(result.order).toMatchObject({ status: 'filled' });
  });

  it('cancel_taker cancels the rest of the taker and leaves the resting order; fills before it stand', () => {
    const b = book();
    b.place(order({ id: 'theirs', owner: 'bob', side: 'sell', price: 50 }));
    b.place(order({ id: 'mine', owner: 'alice', side: 'sell', price: 51 }));
    const result = b.place(order({ owner: 'alice', side: 'buy', price: 52, shares: 2n * SHARE, stp: 'cancel_taker' }));
    expect(result.order).toMatchObject({ status: 'cancelled', reason: 'self_trade', filledShares: SHARE, remainingShares: SHARE });
    expect(result.removed).toEqual([]);
    expect(b.order('mine')).toMatchObject({ status: 'open' });
    expect(b.snapshot().bids).toEqual([]);
  });

  it('FOK with cancel_taker meeting its own order cannot fill and moves nothing', () => {
    const b = book();
    b.place(order({ owner: 'alice', side: 'sell', price: 50 }));
    b.place(order({ owner: 'bob', side: 'sell', price: 51 }));
    const before = b.snapshot();
    expect(() => b.place(order({ owner: 'alice', side: 'buy', price: 51, timeInForce: 'FOK', stp: 'cancel_taker' }))).toThrow(FillOrKillUnfilled);
    expect(b.snapshot()).toEqual(before);
  });
});

describe('OrderBook: cancel, amend and deltas', () => {
  it('cancel takes the order off and reports its level; an unknown id changes nothing', () => {
    const b = book();
    b.place(order({ id: 'a', side: 'buy', price: 40 }));
    b.place(order({ id: 'b', side: 'buy', price: 40, shares: 2n * SHARE }));
    const cancelled = b.cancel('a');
    expect(cancelled.order).toMatchObject({ id: 'a', status: 'cancelled', reason: 'user' });
    expect(cancelled.deltas).toEqual([{ sequence: cancelled.sequence, side: 'buy', price: 40, shares: 2n * SHARE, orders: 1 }]);
    const unknown = b.cancel('a');
    expect(unknown).toMatchObject({ order: undefined, deltas: [], sequence: cancelled.sequence });
  });

  it('cancelAll(owner) cancels one owner\'s orders; cancelAll() every order (market closed)', () => {
    const b = book();
    b.place(order({ owner: 'alice', side: 'buy', price: 40 }));
    b.place(order({ owner: 'alice', side: 'sell', price: 60 }));
    b.place(order({ owner: 'bob', side: 'buy', price: 41 }));
    expect(b.cancelAll('alice').removed.map((removed) => removed.owner)).toEqual(['alice', 'alice']);
    expect(b.size).toBe(1);
    expect(b.cancelAll().removed).toEqual([expect.objectContaining({ owner: 'bob', reason: 'closed' })]);
    expect(b.snapshot()).toMatchObject({ bids: [], asks: [] });
  });

  it('amend moves an order to the back of its new level and matches when it crosses', () => {
    const b = book();
    b.place(order({ id: 'first', owner: 'm1', side: 'sell', price: 50 }));
    b.place(order({ id: 'second', owner: 'm2', side: 'sell', price: 51 }));
    b.amend('first', 51); // now behind 'second'
    const result = b.place(order({ owner: 't', side: 'buy', price: 51 }));
    expect(result.fills.find((fill) => fill.liquidity === 'maker')).toMatchObject({ orderId: 'second' });
    const crossed = b.amend('first', 45); // no bid at 45 or above: it just rests
    expect(crossed.fills).toEqual([]);
    b.place(order({ id: 'bid', owner: 'm3', side: 'buy', price: 44 }));
    const taking = b.amend('first', 44);
    expect(taking.order).toMatchObject({ status: 'filled', filledShares: SHARE });
    expect(taking.fills.find((fill) => fill.liquidity === 'maker')).toMatchObject({ orderId: 'bid', price: 44 });
  });

  it('amend of an order already expired at the command\'s time expires it instead', () => {
    const b = book();
    b.place(order({ id: 'gtd', side: 'buy', price: 40, timeInForce: 'GTD', expiresAt: 5_000 }));
    const result = b.amend('gtd', 41, 5_000);
    expect(result.order).toMatchObject({ status: 'expired', reason: 'expired' });
    expect(b.snapshot().bids).toEqual([]);
    expect(b.expire(9_000).removed).toEqual([]);
  });

  it('reports one delta per level a command changed, numbered in sequence', () => {
    const b = book();
    b.place(order({ owner: 'm1', side: 'sell', price: 50 }));
    b.place(order({ owner: 'm2', side: 'sell', price: 50 }));
    b.place(order({ owner: 'm3', side: 'sell', price: 51 }));
    const start = b.sequence;
    const result = b.place(order({ owner: 't', side: 'buy', price: 52, shares: 4n * SHARE }));
    expect(result.deltas).toEqual([
      { sequence: start + 1, side: 'sell', price: 50, shares: 0n, orders: 0 },
      { sequence: start + 2, side: 'sell', price: 51, shares: 0n, orders: 0 },
      { sequence: start + 3, side: 'buy', price: 52, shares: SHARE, orders: 1 },
    ]);
    expect(b.snapshot()).toEqual({ bids: [{ price: 52, shares: SHARE, orders: 1 }], asks: [], sequence: start + 3 });
  });

  it('finds the next level across many empty ticks (both directions)', () => {
    const b = new OrderBook({ ticksPerUnit: 10_000, takerFeeBps: 0 });
    b.place({ id: 'low', owner: 'm', side: 'sell', price: 3, shares: 10_000n, timeInForce: 'GTC' });
    b.place({ id: 'high', owner: 'm', side: 'sell', price: 9_998, shares: 10_000n, timeInForce: 'GTC' });
    b.place({ id: 'bidLow', owner: 'm', side: 'buy', price: 1, shares: 10_000n, timeInForce: 'GTC' });
    b.place({ id: 'bidHigh', owner: 'm', side: 'buy', price: 2, shares: 10_000n, timeInForce: 'GTC' });
    expect([b.bestBid(), b.bestAsk()]).toEqual([2, 3]);
    b.cancel('low');
    b.cancel('bidHigh');
    expect([b.bestBid(), b.bestAsk()]).toEqual([1, 9_998]);
    b.cancel('high');
    b.cancel('bidLow');
    expect([b.bestBid(), b.bestAsk()]).toEqual([undefined, undefined]);
  });
});

describe('OrderBook: level totals', () => {
  it("reports a level's resting shares and orders after fills and cancels, 0 and 0 once it is empty", () => {
    const b = book();
    b.place(order({ id: 'a', side: 'buy', price: 40, shares: 2n * SHARE }));
    b.place(order({ id: 'b', side: 'buy', price: 40, owner: 'bob' }));
    b.place(order({ side: 'sell', price: 40, owner: 'carol', shares: SHARE / 2n }));
    expect(b.levelTotals('buy', 40)).toEqual({ price: 40, shares: 2n * SHARE + SHARE / 2n, orders: 2 });
    expect(b.levelTotals('sell', 40)).toEqual({ price: 40, shares: 0n, orders: 0 });
    b.cancel('a');
    b.cancel('b');
    expect(b.levelTotals('buy', 40)).toEqual({ price: 40, shares: 0n, orders: 0 });
    expect(b.levelTotals('buy', 41)).toEqual({ price: 41, shares: 0n, orders: 0 });
  });
});
