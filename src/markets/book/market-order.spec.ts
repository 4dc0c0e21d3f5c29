import { PriceMovedBeyondSlippage, TradeTooSmall } from '../amm/amm-errors';
import { createMarketMaker, quoteBuy, quoteSell } from '../amm/lmsr';
import type { Fill, MarketOrder, PlaceOrder } from './book-types';
import { LinearPool } from './linear-pool';
import { LmsrMarketPool } from './lmsr-pool';
import { OrderBook } from './order-book';

/**
 * Market orders (the AMM's /buy and /sell routed through the book): a cash budget or a number of shares, cheapest
 * first across resting orders and the pool. The linear pool starts at tick 40 and rises one tick per share sold.
 */
const SHARE = 1_000_000n;
const USDC = 1_000_000n;
const shares = (n: number) => BigInt(Math.round(n * 1_000_000));

function linear(options: { takerFeeBps?: number; outstanding?: bigint } = {}) {
  const pool = new LinearPool({ startTick: 40, sharesPerTick: SHARE, ticksPerUnit: 100, outstanding: options.outstanding });
  const book = new OrderBook({ ticksPerUnit: 100, takerFeeBps: options.takerFeeBps ?? 0 }, pool);
  return { pool, book };
}

function lmsr(feeBps: number) {
  const state = createMarketMaker({ outcomeCount: 2, subsidy: 100n * USDC });
  const pool = new LmsrMarketPool(state, 100);
  const book = new OrderBook({ ticksPerUnit: 100, takerFeeBps: feeBps }, pool.outcome(0));
  return { pool, book, start: state };
}

let nextId = 0;
function resting(overrides: Partial<PlaceOrder> & Pick<PlaceOrder, 'side' | 'price' | 'owner'>): PlaceOrder {
  nextId += 1;
  return { id: `r${nextId}`, shares: SHARE, timeInForce: 'GTC', ...overrides };
}

const buy = (amount: bigint, extra: Partial<MarketOrder> = {}): MarketOrder => ({ id: 'taker', owner: 'taker', side: 'buy', amount, ...extra });
const sell = (units: bigint, extra: Partial<MarketOrder> = {}): MarketOrder => ({ id: 'taker', owner: 'taker', side: 'sell', shares: units, ...extra });

/** The taker's fills as [counterparty, price, shares, amount, fee]. */
const route = (fills: readonly Fill[]) => fills.filter((fill) => fill.liquidity === 'taker').map((fill) => [fill.counterparty, fill.price, fill.shares, fill.amount, fill.fee]);

describe('OrderBook.marketOrder', () => {
  describe('with an empty book it is exactly the AMM trade', () => {
    it.each([0, 100, 150])('buy, fee %i bps', (feeBps) => {
      const { pool, book, start } = lmsr(feeBps);
      const amount = 12_345_678n;
      const amm = quoteBuy(start, 0, amount, { fees: { feeBps, creatorShareBps: 0 } });
      const result = book.marketOrder(buy(amount));
      expect([result.shares, result.cash, result.fee, result.metBook]).toEqual([amm.fill.shares, amm.fill.amount, amm.fill.fee, false]);
      expect(route(result.fills)).toEqual([['pool', 99, amm.fill.shares, amm.fill.poolDelta, amm.fill.fee]]);
      expect(pool.state.outstandingShares).toEqual(amm.state.outstandingShares);
      expect(pool.cash).toBe(amm.fill.poolDelta);
      expect(result.deltas).toEqual([]);
    });

    it.each([0, 150])('sell, fee %i bps', (feeBps) => {
      const { pool, book } = lmsr(feeBps);
      book.marketOrder(buy(30n * USDC));
      const before = pool.state;
      const amm = quoteSell(before, 0, shares(7.5), { fees: { feeBps, creatorShareBps: 0 } });
      const result = book.marketOrder(sell(shares(7.5)));
      expect([result.shares, result.cash, result.fee, result.metBook]).toEqual([amm.fill.shares, amm.fill.amount, amm.fill.fee, false]);
      expect(pool.state.outstandingShares).toEqual(amm.state.outstandingShares);
    });

    it('a budget the fee eats is TradeTooSmall, as the AMM', () => {
      const { book, pool, start } = lmsr(10_000);
      expect(() => quoteBuy(start, 0, USDC, { fees: { feeBps: 10_000, creatorShareBps: 0 } })).toThrow(TradeTooSmall);
      expect(() => book.marketOrder(buy(USDC))).toThrow(TradeTooSmall);
      expect(pool.state).toBe(start);
    });

    it('with neither a pool nor resting orders nothing fills: TradeTooSmall', () => {
      const book = new OrderBook({ ticksPerUnit: 100, takerFeeBps: 0 });
      expect(() => book.marketOrder(buy(USDC))).toThrow(TradeTooSmall);
      expect(() => book.marketOrder(sell(SHARE))).toThrow(TradeTooSmall);
    });
  });

  it('takes resting sells priced below the pool first, at the maker price, the taker paying the fee', () => {
    const { pool, book } = linear({ takerFeeBps: 100 });
    book.place(resting({ owner: 'm1', side: 'sell', price: 38, shares: shares(2) }));
    book.place(resting({ owner: 'm2', side: 'sell', price: 39 }));
    // 2 shares at 0.38 (0.76 + 0.0076 fee) and 1 at 0.39 (0.39 + 0.0039): 1.1615 USDC, then the pool with the rest.
    const result = book.marketOrder(buy(2n * USDC));
    expect(route(result.fills).slice(0, 2)).toEqual([
      ['book', 38, shares(2), 760_000n, 7_600n],
      ['book', 39, SHARE, 390_000n, 3_900n],
    ]);
    const rest = 2n * USDC - 1_161_500n;
    const fee = rest / 100n;
    expect(route(result.fills)[2]).toEqual(['pool', 99, pool.outstanding, rest - fee, fee]);
    expect(result.cash).toBe(2n * USDC);
    expect(result.metBook).toBe(true);
    // Makers: filled at their price, no maker fee; both levels gone.
    expect(result.fills.filter((fill) => fill.liquidity === 'maker').map((fill) => [fill.owner, fill.amount, fill.fee, fill.remainingShares])).toEqual([
      ['m1', 760_000n, 0n, 0n],
      ['m2', 390_000n, 0n, 0n],
    ]);
    expect(result.deltas.map((delta) => [delta.side, delta.price, delta.orders])).toEqual([
      ['sell', 38, 0],
      ['sell', 39, 0],
    ]);
    expect(book.snapshot().asks).toEqual([]);
  });

  it('alternates: the pool up to the resting sell, the sell, then the pool with the rest of the budget', () => {
    const { pool, book } = linear();
    book.place(resting({ owner: 'm', side: 'sell', price: 42 }));
    // The pool from 0.40 to 0.42: 2 shares for 0.82; the resting share for 0.42; 1 USDC left for the pool.
    const result = book.marketOrder(buy(2_240_000n));
    expect(route(result.fills)).toEqual([
      ['pool', 42, shares(2), 820_000n, 0n],
      ['book', 42, SHARE, 420_000n, 0n],
      ['pool', 99, pool.outstanding - shares(2), 1_000_000n, 0n],
    ]);
    // From 0.42, 1 USDC buys s with 0.42 s + s^2 / 200 <= 1: s = (sqrt(84^2 + 800) - 84) / 2 = 2.317039 shares.
    expect(pool.outstanding - shares(2)).toBe(2_317_039n);
    expect(result.shares).toBe(shares(3) + 2_317_039n);
  });

  it('stops the pool below the next resting sell when the budget runs out first (the AMM buy alone)', () => {
    const { pool, book } = linear();
    book.place(resting({ id: 'far', owner: 'm', side: 'sell', price: 60 }));
    const alone = new LinearPool({ startTick: 40, sharesPerTick: SHARE, ticksPerUnit: 100 });
    const result = book.marketOrder(buy(USDC));
    expect(result.metBook).toBe(false);
    expect(result.shares).toBe(alone.sharesForCost(USDC, 0n));
    expect(pool.outstanding).toBe(result.shares);
    expect(book.order('far')).toMatchObject({ remainingShares: SHARE });
  });

  it('a budget exhausted in the middle of a level fills whole lots of it and spends the dust at the pool', () => {
    const { pool, book } = linear();
    book.place(resting({ id: 'cheap', owner: 'm', side: 'sell', price: 45, shares: shares(5) }));
    // A trade elsewhere (another outcome) moves the pool to 0.50: the resting sell at 0.45 is now cheaper.
    pool.commit(shares(10), 4_500_000n);
    const result = book.marketOrder(buy(USDC));
    // 1 / 0.45 = 2.2222 shares in lots of 0.0001: 2.2222 shares for 0.99999 USDC; 10 units left over.
    expect(route(result.fills)).toEqual([
      ['book', 45, 2_222_200n, 999_990n, 0n],
      ['pool', 99, 19n, 10n, 0n],
    ]);
    expect(pool.outstanding).toBe(shares(10) + 19n);
    expect(book.order('cheap')).toMatchObject({ remainingShares: shares(5) - 2_222_200n, filledShares: 2_222_200n });
    expect(result.cash).toBe(USDC);
  });

  it('sells into resting buys best first and the pool between them, a remainder below one lot to the pool', () => {
    const { pool, book } = linear({ outstanding: shares(20) });
    book.place(resting({ owner: 'b1', side: 'buy', price: 55 }));
    book.place(resting({ owner: 'b2', side: 'buy', price: 48, shares: shares(3) }));
    // Moved elsewhere to 0.50: the bid at 0.55 is above the pool, the one at 0.48 below it.
    pool.commit(-shares(10), -5_500_000n);
    const result = book.marketOrder(sell(shares(5) + 50n));
    expect(route(result.fills)).toEqual([
      ['book', 55, SHARE, 550_000n, 0n],
      // The pool from 0.50 down to 0.48: 2 shares for 0.98.
      ['pool', 48, shares(2), 980_000n, 0n],
      ['book', 48, shares(2), 960_000n, 0n],
      ['pool', 1, 50n, 23n, 0n],
    ]);
    expect(result.shares).toBe(shares(5) + 50n);
    expect(pool.outstanding).toBe(shares(8) - 50n);
    expect(book.snapshot().bids).toEqual([{ price: 48, shares: SHARE, orders: 1 }]);
  });

  it('refuses below minShares or minProceeds having changed nothing', () => {
    const { pool, book } = linear({ outstanding: shares(10) });
    book.place(resting({ owner: 'm', side: 'sell', price: 52 }));
    book.place(resting({ owner: 'b', side: 'buy', price: 48 }));
    const before = JSON.stringify({ book: book.snapshot(), orders: [...book.restingOrders()], pool: [pool.outstanding, pool.cash] }, (_k, v: unknown) =>
      typeof v === 'bigint' ? v.toString() : v,
    );
    const sequence = book.sequence;
    expect(() => book.marketOrder(buy(USDC, { minShares: shares(3) }))).toThrow(PriceMovedBeyondSlippage);
    expect(() => book.marketOrder(sell(shares(2), { minProceeds: USDC }))).toThrow(PriceMovedBeyondSlippage);
    const after = JSON.stringify({ book: book.snapshot(), orders: [...book.restingOrders()], pool: [pool.outstanding, pool.cash] }, (_k, v: unknown) =>
      typeof v === 'bigint' ? v.toString() : v,
    );
    expect(after).toBe(before);
    expect(book.sequence).toBe(sequence);
    // Just enough passes.
    const quote = book.marketOrder(buy(USDC, { execute: false }));
    expect(book.marketOrder(buy(USDC, { minShares: quote.shares })).shares).toBe(quote.shares);
  });

  it('a quote (execute: false) changes nothing and equals the trade that follows', () => {
    const { pool, book } = linear({ takerFeeBps: 150, outstanding: shares(10) });
    book.place(resting({ owner: 'm', side: 'sell', price: 53, shares: shares(2) }));
    book.place(resting({ owner: 'taker', side: 'sell', price: 51 }));
    const outstanding = pool.outstanding;
    const sequence = book.sequence;
    const quote = book.marketOrder(buy(3n * USDC, { execute: false }));
    expect([pool.outstanding, book.sequence, book.size]).toEqual([outstanding, sequence, 2]);
    const trade = book.marketOrder(buy(3n * USDC));
    expect([trade.shares, trade.cash, trade.fee, trade.metBook]).toEqual([quote.shares, quote.cash, quote.fee, quote.metBook]);
    expect(route(trade.fills)).toEqual(route(quote.fills));
  });

  describe('self-trade prevention', () => {
    it('cancel_resting (default): the taker’s own resting sells met are removed, others filled', () => {
      const { book } = linear();
      book.place(resting({ id: 'own', owner: 'taker', side: 'sell', price: 30 }));
      book.place(resting({ id: 'other', owner: 'm', side: 'sell', price: 31 }));
      const result = book.marketOrder(buy(310_000n));
      expect(result.removed).toEqual([expect.objectContaining({ id: 'own', status: 'cancelled', reason: 'self_trade' })]);
      expect(route(result.fills)).toEqual([['book', 31, SHARE, 310_000n, 0n]]);
      expect(result.metBook).toBe(true);
      expect(book.size).toBe(0);
      expect(result.deltas.map((delta) => [delta.price, delta.orders])).toEqual([
        [30, 0],
        [31, 0],
      ]);
    });

    it('leaves the taker’s own resting sell alone when the trade does not reach its price', () => {
      const { book } = linear();
      book.place(resting({ id: 'ownFar', owner: 'taker', side: 'sell', price: 60 }));
      const result = book.marketOrder(buy(USDC));
      expect(result.metBook).toBe(false);
      expect(result.removed).toEqual([]);
      expect(book.order('ownFar')).toBeDefined();
    });

    it('a trade that meets only the taker’s own orders still reports it met the book', () => {
      const { book, pool } = linear({ outstanding: shares(10) });
      book.place(resting({ id: 'ownBid', owner: 'taker', side: 'buy', price: 45 }));
      // The pool falls (elsewhere) to 0.44: a sell meets the own bid first.
      pool.commit(-shares(6), -2_820_000n);
      const result = book.marketOrder(sell(SHARE));
      expect(result.metBook).toBe(true);
      expect(result.removed.map((order) => order.id)).toEqual(['ownBid']);
      expect(route(result.fills)).toEqual([['pool', 1, SHARE, 435_000n, 0n]]);
      expect(pool.outstanding).toBe(shares(3));
    });

    it('cancel_taker: the order stops at its own resting order, the rest of the budget unspent', () => {
      const { book } = linear();
      book.place(resting({ owner: 'm', side: 'sell', price: 30 }));
      book.place(resting({ id: 'own', owner: 'taker', side: 'sell', price: 31 }));
      const result = book.marketOrder(buy(USDC, { stp: 'cancel_taker' }));
      expect(route(result.fills)).toEqual([['book', 30, SHARE, 300_000n, 0n]]);
      expect(result.cash).toBe(300_000n);
      expect(book.order('own')).toBeDefined();
    });
  });

  it('expires a resting GTD sell it meets after its expiry instead of filling it', () => {
    const { book } = linear();
    book.place(resting({ id: 'late', owner: 'm', side: 'sell', price: 30, timeInForce: 'GTD', expiresAt: 100, now: 1 }));
    const result = book.marketOrder(buy(USDC, { now: 100 }));
    expect(result.removed).toEqual([expect.objectContaining({ id: 'late', status: 'expired' })]);
    expect(route(result.fills).map((fill) => fill[0])).toEqual(['pool']);
  });
});
