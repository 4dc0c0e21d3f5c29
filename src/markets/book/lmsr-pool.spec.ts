import { costToBuy, createMarketMaker, proceedsOfSale, spotPrices } from '../amm/lmsr';
import type { Fill, PlaceOrder } from './book-types';
import { LmsrMarketPool } from './lmsr-pool';
import { OrderBook } from './order-book';

/** The real market maker behind the book: a 2-outcome LMSR with a 1,000 USDC subsidy (b ≈ 1,442.7), tickSize 0.01. */
const USDC = 1_000_000n;
const SHARE = 1_000_000n;
const LOT = 100n;

function market() {
  const pool = new LmsrMarketPool(createMarketMaker({ outcomeCount: 2, subsidy: 1_000n * USDC }), 100);
  const yes = new OrderBook({ ticksPerUnit: 100, takerFeeBps: 100 }, pool.outcome(0));
  const no = new OrderBook({ ticksPerUnit: 100, takerFeeBps: 100 }, pool.outcome(1));
  return { pool, yes, no };
}

let nextId = 0;
function order(overrides: Partial<PlaceOrder> & Pick<PlaceOrder, 'side' | 'price'>): PlaceOrder {
  nextId += 1;
  return { id: `l${nextId}`, owner: 'taker', shares: 10_000n * SHARE, timeInForce: 'IOC', ...overrides };
}

const price = (pool: LmsrMarketPool, outcome: number) => spotPrices(pool.state)[outcome].toNumber();
const route = (fills: readonly Fill[]) => fills.filter((fill) => fill.liquidity === 'taker').map((fill) => [fill.counterparty, fill.price]);

describe('LmsrMarketPool behind the order book', () => {
  it('fills a buy from the pool up to its limit and not one lot beyond', () => {
    const { pool, yes } = market();
    const start = pool.state;
    const [fill] = yes.place(order({ side: 'buy', price: 60 })).fills;
    expect(fill).toMatchObject({ counterparty: 'pool', price: 60 });
    expect(fill.shares % LOT).toBe(0n);
    expect(fill.amount).toBe(costToBuy(start, 0, fill.shares));
    expect(fill.amount * 100n <= fill.shares * 60n).toBe(true);
    expect(price(pool, 0)).toBeLessThanOrEqual(0.6);
    // One more lot would have passed 0.60.
    const oneMore = { ...start, outstandingShares: [fill.shares + LOT, 0n] };
    expect(spotPrices(oneMore)[0].toNumber()).toBeGreaterThan(0.6);
    expect(pool.cash).toBe(fill.amount);
  });

  it('routes pool, resting sell, pool, and books the pool once with the path-independent total', () => {
    const { pool, yes } = market();
    const start = pool.state;
    yes.place(order({ owner: 'maker', side: 'sell', price: 55, shares: 100n * SHARE, timeInForce: 'GTC' })); // above the pool: rests
    const result = yes.place(order({ side: 'buy', price: 60 }));
    expect(route(result.fills)).toEqual([
      ['pool', 55],
      ['book', 55],
      ['pool', 60],
    ]);
    const poolShares = result.fills.filter((fill) => fill.counterparty === 'pool').reduce((sum, fill) => sum + fill.shares, 0n);
    expect(pool.state.outstandingShares).toEqual([poolShares, 0n]);
    // The two pool steps cost what one purchase of their total would, up to the rounding of each step (up).
    const twoSteps = result.fills.filter((fill) => fill.counterparty === 'pool').reduce((sum, fill) => sum + fill.amount, 0n);
    const oneStep = costToBuy(start, 0, poolShares);
    expect(twoSteps - oneStep >= 0n && twoSteps - oneStep <= 1n).toBe(true);
    expect(price(pool, 0)).toBeLessThanOrEqual(0.6);
  });

  it('a trade on one outcome moves the other book\'s pool price', () => {
    const { pool, yes, no } = market();
    yes.place(order({ side: 'buy', price: 60 }));
    expect(price(pool, 1)).toBeGreaterThanOrEqual(0.4);
    const [fill] = no.place(order({ side: 'buy', price: 45 })).fills;
    expect(fill).toMatchObject({ counterparty: 'pool', price: 45 });
    expect(price(pool, 1)).toBeLessThanOrEqual(0.45);
  });

  it('sells to the pool down to the limit, never more than it has outstanding', () => {
    const { pool, yes } = market();
    expect(yes.place(order({ side: 'sell', price: 30 })).fills).toEqual([]); // nothing outstanding yet
    yes.place(order({ side: 'buy', price: 60 }));
    const before = pool.state;
    const [fill] = yes.place(order({ side: 'sell', price: 55 })).fills;
    expect(fill).toMatchObject({ counterparty: 'pool', side: 'sell', price: 55 });
    expect(fill.amount).toBe(proceedsOfSale(before, 0, fill.shares));
    expect(fill.amount * 100n >= fill.shares * 55n).toBe(true);
    expect(price(pool, 0)).toBeGreaterThanOrEqual(0.55);
    const rest = yes.place(order({ side: 'sell', price: 1 })).fills;
    expect(pool.state.outstandingShares[0]).toBe(0n);
    expect(rest.reduce((sum, f) => sum + f.shares, 0n) % LOT).toBe(0n);
  });

  it('remembers share counts to a tick only for the state it computed them on', () => {
    const { pool, yes } = market();
    const outcome = pool.outcome(0);
    const before = outcome.sharesToBuyUntil(60, 0n);
    expect(outcome.sharesToBuyUntil(60, 0n)).toBe(before);
    expect(new LmsrMarketPool(pool.state, 100).outcome(0).sharesToBuyUntil(60, 0n)).toBe(before);
    yes.place(order({ side: 'buy', price: 55 }));
    const after = outcome.sharesToBuyUntil(60, 0n);
    expect(after).toBeLessThan(before);
    expect(after).toBe(new LmsrMarketPool(pool.state, 100).outcome(0).sharesToBuyUntil(60, 0n));
  });
});
