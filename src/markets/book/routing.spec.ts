import { FillOrKillUnfilled, WouldCrossBook } from './book-errors';
import type { Fill, PlaceOrder } from './book-types';
import { LinearPool } from './linear-pool';
import { OrderBook } from './order-book';
import type { OutcomePool } from './outcome-pool';

/**
 * Routing between the book and the pool. The pool here is linear and exact: its marginal price starts at
 * tick 40 (0.40) and rises one tick per share it sells, so "the pool until its price reaches tick t" is
 * t - 40 - outstanding shares, and its cost is the integral of the price.
 */
const SHARE = 1_000_000n;
const shares = (n: number) => BigInt(Math.round(n * 1_000_000));

function market(options: { outstanding?: bigint; takerFeeBps?: number } = {}) {
  const pool = new LinearPool({ startTick: 40, sharesPerTick: SHARE, ticksPerUnit: 100, outstanding: options.outstanding });
  const book = new OrderBook({ ticksPerUnit: 100, takerFeeBps: options.takerFeeBps ?? 0 }, pool);
  return { pool, book };
}

let nextId = 0;
function order(overrides: Partial<PlaceOrder> & Pick<PlaceOrder, 'side' | 'price'>): PlaceOrder {
  nextId += 1;
  return { id: `r${nextId}`, owner: 'taker', shares: SHARE, timeInForce: 'GTC', ...overrides };
}

/** The taker's fills as [counterparty, price, shares]. */
const route = (fills: readonly Fill[]) => fills.filter((fill) => fill.liquidity === 'taker').map((fill) => [fill.counterparty, fill.price, fill.shares]);

describe('OrderBook with a pool: routing', () => {
  it('with an empty book, buys from the pool until its price reaches the limit, then rests the rest', () => {
    const { pool, book } = market();
    const result = book.place(order({ side: 'buy', price: 45, shares: shares(8) }));
    expect(route(result.fills)).toEqual([['pool', 45, shares(5)]]);
    // integral of 0.40 + x/100 over 5 shares: 2 + 0.125 USDC
    expect(result.fills[0].amount).toBe(2_125_000n);
    expect(pool.outstanding).toBe(shares(5));
    expect(pool.cash).toBe(2_125_000n);
    expect(pool.marginalPrice()).toBe(45);
    expect(result.order).toMatchObject({ status: 'open', remainingShares: shares(3), price: 45 });
  });

  it('takes resting sells priced below the pool first, then the pool', () => {
    const { book } = market();
    book.place(order({ owner: 'm1', side: 'sell', price: 38 }));
    book.place(order({ owner: 'm2', side: 'sell', price: 39 }));
    const result = book.place(order({ side: 'buy', price: 45, shares: shares(3) }));
    expect(route(result.fills)).toEqual([
      ['book', 38, SHARE],
      ['book', 39, SHARE],
      ['pool', 45, SHARE],
    ]);
  });

  it('alternates: the pool up to the next resting sell, that sell, the pool up to the limit', () => {
    const { pool, book } = market();
    book.place(order({ owner: 'm', side: 'sell', price: 42 }));
    const result = book.place(order({ side: 'buy', price: 45, shares: shares(10) }));
    expect(route(result.fills)).toEqual([
      ['pool', 42, shares(2)],
      ['book', 42, SHARE],
      ['pool', 45, shares(3)],
    ]);
    expect(pool.outstanding).toBe(shares(5));
    expect(result.order).toMatchObject({ status: 'open', remainingShares: shares(4) });
  });

  it('at a tie (a resting sell at exactly the pool price) fills the resting sell first', () => {
    const { book } = market();
    book.place(order({ owner: 'm', side: 'sell', price: 40 }));
    const result = book.place(order({ side: 'buy', price: 41, shares: shares(2) }));
    expect(route(result.fills)).toEqual([
      ['book', 40, SHARE],
      ['pool', 41, SHARE],
    ]);
  });

  it('never goes beyond the limit: resting sells above it and the pool past it are left alone', () => {
    const { pool, book } = market();
    book.place(order({ id: 'above', owner: 'm', side: 'sell', price: 46 }));
    const result = book.place(order({ side: 'buy', price: 45, shares: shares(10), timeInForce: 'IOC' }));
    expect(route(result.fills)).toEqual([['pool', 45, shares(5)]]);
    expect(pool.marginalPrice()).toBe(45);
    expect(book.order('above')).toMatchObject({ status: 'open', filledShares: 0n });
    expect(result.order).toMatchObject({ status: 'cancelled', remainingShares: shares(5) });
  });

  it('never pays more than the limit per share on a pool step, even when a pool rounds badly', () => {
    const greedy: OutcomePool = {
      sharesToBuyUntil: () => 10n * SHARE,
      sharesToSellUntil: () => 0n,
      costToBuy: (n) => (n * 45n) / 100n + 1n, // one unit over the limit, whatever the size
      sharesForCost: () => 0n,
      proceedsOfSale: () => 0n,
      commit: jest.fn(),
    };
    const book = new OrderBook({ ticksPerUnit: 100, takerFeeBps: 0 }, greedy);
    const result = book.place(order({ side: 'buy', price: 45, shares: shares(2) }));
    expect(result.fills).toEqual([]);
    expect(greedy.commit).not.toHaveBeenCalled();
    expect(result.order).toMatchObject({ status: 'open', remainingShares: shares(2) });
  });

  it('sells mirror buys: the pool down to the next resting bid, that bid, and so on down to the limit', () => {
    const { pool, book } = market({ outstanding: shares(10) }); // pool price 0.50
    book.place(order({ owner: 'm1', side: 'buy', price: 48 }));
    book.place(order({ owner: 'm2', side: 'buy', price: 46 }));
    const result = book.place(order({ side: 'sell', price: 45, shares: shares(10) }));
    expect(route(result.fills)).toEqual([
      ['pool', 48, shares(2)],
      ['book', 48, SHARE],
      ['pool', 46, shares(2)],
      ['book', 46, SHARE],
      ['pool', 45, shares(1)],
    ]);
    // proceeds: 2 shares from 0.50 down to 0.48 pay 0.98, 2 from 0.48 to 0.46 pay 0.94, 1 from 0.46 to 0.45 pays 0.455
    expect(result.fills.filter((fill) => fill.counterparty === 'pool').map((fill) => fill.amount)).toEqual([980_000n, 940_000n, 455_000n]);
    expect(pool.outstanding).toBe(shares(5));
    expect(pool.cash).toBe(-2_375_000n);
    expect(result.order).toMatchObject({ status: 'open', remainingShares: shares(3), side: 'sell' });
  });

  it('a bid above the pool price takes from the pool rather than resting above it', () => {
    const { pool, book } = market({ outstanding: shares(10) });
    const result = book.place(order({ side: 'buy', price: 52, shares: shares(3) }));
    expect(route(result.fills)).toEqual([['pool', 52, shares(2)]]);
    expect(pool.marginalPrice()).toBe(52);
    expect(result.order).toMatchObject({ status: 'open', remainingShares: SHARE, price: 52 });
  });

  it('the pool buys back no more than it has outstanding', () => {
    const { pool, book } = market({ outstanding: shares(2) });
    const result = book.place(order({ side: 'sell', price: 30, shares: shares(5), timeInForce: 'IOC' }));
    expect(route(result.fills)).toEqual([['pool', 30, shares(2)]]);
    expect(pool.outstanding).toBe(0n);
  });

  it('charges the taker fee on pool fills too', () => {
    const { book } = market({ takerFeeBps: 100 });
    const [fill] = book.place(order({ side: 'buy', price: 45, shares: shares(5) })).fills;
    expect(fill).toMatchObject({ counterparty: 'pool', amount: 2_125_000n, fee: 21_250n });
  });

  it('FOK counts the pool between the levels: fills when book and pool together suffice', () => {
    const { book } = market();
    book.place(order({ owner: 'm', side: 'sell', price: 42 }));
    const result = book.place(order({ side: 'buy', price: 45, shares: shares(6), timeInForce: 'FOK' }));
    expect(result.order).toMatchObject({ status: 'filled', filledShares: shares(6) });
  });

  it('FOK that book and pool cannot fill together moves neither', () => {
    const { pool, book } = market();
    book.place(order({ owner: 'm', side: 'sell', price: 42 }));
    const before = book.snapshot();
    const commit = jest.spyOn(pool, 'commit');
    expect(() => book.place(order({ side: 'buy', price: 45, shares: shares(7), timeInForce: 'FOK' }))).toThrow(FillOrKillUnfilled);
    expect(commit).not.toHaveBeenCalled();
    expect(pool.outstanding).toBe(0n);
    expect(book.snapshot()).toEqual(before);
  });

  it('post-only is refused when it would buy from the pool, and rests at the pool price', () => {
    const { book } = market();
    expect(() => book.place(order({ side: 'buy', price: 41, postOnly: true }))).toThrow(WouldCrossBook);
    expect(book.place(order({ side: 'buy', price: 40, postOnly: true })).order).toMatchObject({ status: 'open' });
  });

  it('the pool never fills resting orders on its own: a bid left above a pool moved elsewhere waits for a taker', () => {
    const pool = new LinearPool({ startTick: 35, sharesPerTick: SHARE, ticksPerUnit: 100, outstanding: shares(5) }); // 0.40
    const book = new OrderBook({ ticksPerUnit: 100, takerFeeBps: 0 }, pool);
    book.place(order({ id: 'bid', owner: 'm', side: 'buy', price: 40 }));
    // A trade on another outcome moves this outcome's pool price down to 0.38, below the resting bid.
    pool.outstanding -= shares(2);
    expect(book.order('bid')).toMatchObject({ status: 'open', filledShares: 0n });
    // The next seller gets the better of the two: the bid at 0.40 first, then the pool from 0.38 down.
    const result = book.place(order({ side: 'sell', price: 36, shares: shares(3) }));
    expect(route(result.fills)).toEqual([
      ['book', 40, SHARE],
      ['pool', 36, shares(2)],
    ]);
  });
});
