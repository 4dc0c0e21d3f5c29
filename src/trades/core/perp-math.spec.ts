import { SeededRandom } from '../../markets/amm/seeded-random';
import {
  PositionTerms,
  ceilDiv,
  floorDiv,
  isLiquidatedAt,
  leverageProblem,
  liquidationPrice,
  neverLiquidatedByPrice,
  notionalOf,
  openTerms,
  pendingOrderFill,
  pnlAt,
  resolveTick,
  settle,
  takerFee,
  triggerProblem,
} from './perp-math';
import { PRICE_DECIMALS, formatPrice, midPrice, parsePrice } from './price';

const USDC = 1_000_000n;
const PRICE = 10n ** BigInt(PRICE_DECIMALS);

const long = (margin: bigint, leverage: number, entryPrice: bigint, maintenanceMarginBps = 50n): PositionTerms => ({ side: 'long', margin, leverage, entryPrice, maintenanceMarginBps });
const short = (margin: bigint, leverage: number, entryPrice: bigint, maintenanceMarginBps = 50n): PositionTerms => ({ side: 'short', margin, leverage, entryPrice, maintenanceMarginBps });

describe('prices', () => {
  it('parses and formats at 8 decimals', () => {
    expect(parsePrice('65000.12345678')).toBe(6_500_012_345_678n);
    expect(parsePrice('1')).toBe(PRICE);
    expect(formatPrice(6_500_012_345_678n)).toBe('65000.12345678');
    expect(formatPrice(1n)).toBe('0.00000001');
    expect(() => parsePrice('1.123456789')).toThrow('at most 8 decimal places');
    expect(() => parsePrice('0')).toThrow('greater than zero');
    expect(midPrice(100n, 103n)).toBe(101n);
  });
});

describe('rounding helpers', () => {
  it('floorDiv rounds toward −∞ and ceilDiv toward +∞', () => {
    expect(floorDiv(7n, 2n)).toBe(3n);
    expect(floorDiv(-7n, 2n)).toBe(-4n);
    expect(floorDiv(-8n, 2n)).toBe(-4n);
    expect(ceilDiv(7n, 2n)).toBe(4n);
    expect(ceilDiv(-7n, 2n)).toBe(-3n);
    expect(ceilDiv(8n, 2n)).toBe(4n);
  });
});

describe('open', () => {
  it('notional = margin × leverage and the fee rounds up', () => {
    expect(notionalOf(100n * USDC, 10)).toBe(1_000n * USDC);
    expect(takerFee(1_000n * USDC, 5n)).toBe(500_000n);
    expect(takerFee(1n, 5n)).toBe(1n); // ceil(5 / 10000)
    expect(takerFee(0n, 5n)).toBe(0n);
  });

  it('refuses a leverage outside 1..max or not an integer', () => {
    expect(leverageProblem(0, 100)).toBe('leverage must be between 1 and 100');
    expect(leverageProblem(101, 100)).toBe('leverage must be between 1 and 100');
    expect(leverageProblem(2.5, 100)).toBe('leverage must be an integer');
    expect(leverageProblem(100, 100)).toBeUndefined();
    expect(() => notionalOf(USDC, 0)).toThrow(RangeError);
  });

  it('openTerms gives notional, fee and liquidation price, or a reason', () => {
    const terms = openTerms(long(100n * USDC, 10, 50_000n * PRICE), { maxLeverage: 100, takerFeeBps: 5n });
    expect(terms).toEqual({ notional: 1_000n * USDC, openFee: 500_000n, liquidationPrice: expect.any(BigInt) });
    expect(openTerms(long(100n * USDC, 200, 50_000n * PRICE), { maxLeverage: 300, takerFeeBps: 5n })).toEqual({ problem: expect.stringContaining('maintenance margin') });
    expect(openTerms(long(100n * USDC, 101, 50_000n * PRICE), { maxLeverage: 100, takerFeeBps: 5n })).toEqual({ problem: 'leverage must be between 1 and 100' });
  });
});

describe('P&L', () => {
  it('is exact and floored against the user', () => {
    // 1000 USDC notional, entry 3, exit 4 → +333.333333⅓ → floored
    expect(pnlAt('long', 1_000n * USDC, 3n * PRICE, 4n * PRICE)).toBe(333_333_333n);
    // exit 2 → −333.333333⅓ → floored to −333.333334
    expect(pnlAt('long', 1_000n * USDC, 3n * PRICE, 2n * PRICE)).toBe(-333_333_334n);
    expect(pnlAt('short', 1_000n * USDC, 3n * PRICE, 2n * PRICE)).toBe(333_333_333n);
    expect(pnlAt('short', 1_000n * USDC, 3n * PRICE, 4n * PRICE)).toBe(-333_333_334n);
    expect(pnlAt('long', 1_000n * USDC, 3n * PRICE, 3n * PRICE)).toBe(0n);
  });

  it('settles a close: payout = max(0, margin + pnl − fee), balancing with the house', () => {
    const terms = long(100n * USDC, 10, 100n * PRICE);
    const win = settle(terms, 110n * PRICE, 'user', 5n);
    expect(win).toEqual({ pnl: 100n * USDC, closeFee: 500_000n, payout: 199_500_000n, houseDelta: -100n * USDC });
    const loss = settle(terms, 95n * PRICE, 'stop_loss', 5n);
    expect(loss).toEqual({ pnl: -50n * USDC, closeFee: 500_000n, payout: 49_500_000n, houseDelta: 50n * USDC });
    const wiped = settle(terms, 80n * PRICE, 'take_profit', 5n);
    expect(wiped.payout).toBe(0n);
    expect(wiped.houseDelta).toBe(100n * USDC - 500_000n);
    const liquidated = settle(terms, 90n * PRICE, 'liquidation', 5n);
    expect(liquidated).toEqual({ pnl: -100n * USDC, closeFee: 0n, payout: 0n, houseDelta: 100n * USDC });
  });

  it('a liquidation at the liquidation price, with equity left, still pays the user nothing', () => {
    const terms = long(100n * USDC, 10, 100n * PRICE);
    const atLiquidation = settle(terms, liquidationPrice(terms), 'liquidation', 5n);
    expect(atLiquidation.pnl > -100n * USDC).toBe(true);
    expect(atLiquidation).toMatchObject({ closeFee: 0n, payout: 0n, houseDelta: 100n * USDC });
  });

  it('settlement always balances: payout + fee + house = margin', () => {
    const random = new SeededRandom(7);
    for (let i = 0; i < 2_000; i++) {
      const terms = { ...long(random.bigint(1n, 10_000n * USDC), random.int(1, 100), random.bigint(1n, 100_000n * PRICE)), side: random.pick(['long', 'short'] as const) };
      const exit = random.bigint(1n, 200_000n * PRICE);
      const result = settle(terms, exit, random.pick(['user', 'stop_loss', 'take_profit', 'liquidation'] as const), BigInt(random.int(0, 50)));
      expect(result.payout + result.closeFee + result.houseDelta).toBe(terms.margin);
      expect(result.payout >= 0n).toBe(true);
    }
  });
});

describe('liquidation price', () => {
  it('matches the worked example (10× long at 50 000, 50 bps)', () => {
    const terms = long(100n * USDC, 10, 50_000n * PRICE);
    const price = liquidationPrice(terms);
    // equity 100 + 1000·(p − 50000)/50000 <= 5 ⇔ p <= 45250 in exact arithmetic; the floored P&L keeps the
    // predicate true up to 4999 price units above it (a loss of 94.9999999 USDC floors to 95).
    expect(price).toBe(4_525_000_004_999n);
    expect(isLiquidatedAt(terms, price)).toBe(true);
    expect(isLiquidatedAt(terms, price + 1n)).toBe(false);
  });

  it('matches the worked example (10× short at 50 000, 50 bps)', () => {
    const terms = short(100n * USDC, 10, 50_000n * PRICE);
    const price = liquidationPrice(terms);
    expect(price).toBe(5_474_999_995_001n); // 54 750 in exact arithmetic, nudged by the floored P&L
    expect(isLiquidatedAt(terms, price)).toBe(true);
    expect(isLiquidatedAt(terms, price - 1n)).toBe(false);
  });

  it('leverage 1: a long is liquidated only near zero, or never (0n)', () => {
    const normal = long(100n * USDC, 1, 50_000n * PRICE);
    expect(liquidationPrice(normal)).toBe(25_000_049_999n); // ~0.5% of entry
    // A tiny entry price: the boundary falls below one price unit, so the long is never liquidated by price.
    const tiny = long(100n * USDC, 1, 100n);
    expect(liquidationPrice(tiny)).toBe(0n);
    expect(neverLiquidatedByPrice('long', 0n)).toBe(true);
    expect(isLiquidatedAt(tiny, 1n)).toBe(false);
    expect(resolveTick({ side: 'long', liquidationPrice: 0n }, 1n, 2n)).toBeNull();
  });

  it('property: long isLiquidated(bid) ⇔ bid <= liquidationPrice; short isLiquidated(ask) ⇔ ask >= liquidationPrice', () => {
    const random = new SeededRandom(42);
    for (let i = 0; i < 3_000; i++) {
      const side = random.pick(['long', 'short'] as const);
      const terms: PositionTerms = {
        side,
        margin: random.pick([random.bigint(1n, 100n), random.bigint(1n, 1_000_000n * USDC)]),
        leverage: random.int(1, 150),
        entryPrice: random.pick([random.bigint(1n, 1_000n), random.bigint(1n, 200_000n * PRICE)]),
        maintenanceMarginBps: BigInt(random.pick([0, 1, 50, 100, 333, random.int(0, 9_999)])),
      };
      const boundary = liquidationPrice(terms);
      const fires = (price: bigint) => (side === 'long' ? price <= boundary : price >= boundary);
      const around = [boundary - 2n, boundary - 1n, boundary, boundary + 1n, boundary + 2n, terms.entryPrice, random.bigint(1n, terms.entryPrice * 3n)];
      for (const price of around) {
        if (price < 1n) continue;
        expect({ i, price, liquidated: isLiquidatedAt(terms, price) }).toEqual({ i, price, liquidated: fires(price) });
      }
    }
  });
});

describe('trigger validation', () => {
  const quote = { bid: 100n * PRICE, ask: 101n * PRICE };

  it('long: liquidation < stop < bid, take-profit > bid', () => {
    const liq = 91n * PRICE;
    expect(triggerProblem('long', liq, { stopLoss: 95n * PRICE, takeProfit: 120n * PRICE }, quote)).toBeUndefined();
    expect(triggerProblem('long', liq, { stopLoss: liq }, quote)).toMatch(/stopLoss must lie strictly between/);
    expect(triggerProblem('long', liq, { stopLoss: quote.bid }, quote)).toMatch(/stopLoss/);
    expect(triggerProblem('long', liq, { takeProfit: quote.bid }, quote)).toMatch(/takeProfit must lie strictly above the bid/);
    expect(triggerProblem('long', 0n, { stopLoss: 1n }, quote)).toBeUndefined();
    expect(triggerProblem('long', 0n, { stopLoss: 0n }, quote)).toMatch(/stopLoss must be positive/);
    expect(triggerProblem('long', liq, { stopLoss: null, takeProfit: null }, quote)).toBeUndefined();
  });

  it('short: ask < stop < liquidation, 0 < take-profit < ask', () => {
    const liq = 110n * PRICE;
    expect(triggerProblem('short', liq, { stopLoss: 105n * PRICE, takeProfit: 90n * PRICE }, quote)).toBeUndefined();
    expect(triggerProblem('short', liq, { stopLoss: quote.ask }, quote)).toMatch(/stopLoss must lie strictly between the ask/);
    expect(triggerProblem('short', liq, { stopLoss: liq }, quote)).toMatch(/stopLoss/);
    expect(triggerProblem('short', liq, { takeProfit: quote.ask }, quote)).toMatch(/takeProfit must be positive and strictly below the ask/);
    expect(triggerProblem('short', liq, { takeProfit: 0n }, quote)).toMatch(/takeProfit/);
  });
});

describe('tick precedence', () => {
  const longPosition = { side: 'long' as const, liquidationPrice: 90n, stopLoss: 95n, takeProfit: 120n };
  const shortPosition = { side: 'short' as const, liquidationPrice: 110n, stopLoss: 105n, takeProfit: 80n };

  it('liquidation wins over a crossed stop; fills at the tick price with the gap recorded', () => {
    expect(resolveTick(longPosition, 88n, 89n)).toEqual({ reason: 'liquidation', fillPrice: 88n, triggerPrice: 90n, slippage: 2n });
    expect(resolveTick(shortPosition, 111n, 112n)).toEqual({ reason: 'liquidation', fillPrice: 112n, triggerPrice: 110n, slippage: 2n });
  });

  it('a stop crossed, not liquidated; equality fires', () => {
    expect(resolveTick(longPosition, 95n, 96n)).toEqual({ reason: 'stop_loss', fillPrice: 95n, triggerPrice: 95n, slippage: 0n });
    expect(resolveTick(longPosition, 91n, 96n)).toEqual({ reason: 'stop_loss', fillPrice: 91n, triggerPrice: 95n, slippage: 4n });
    expect(resolveTick(longPosition, 90n, 96n)?.reason).toBe('liquidation');
    expect(resolveTick(shortPosition, 100n, 105n)).toEqual({ reason: 'stop_loss', fillPrice: 105n, triggerPrice: 105n, slippage: 0n });
  });

  it('take-profit, and nothing between the triggers', () => {
    expect(resolveTick(longPosition, 125n, 126n)).toEqual({ reason: 'take_profit', fillPrice: 125n, triggerPrice: 120n, slippage: 5n });
    expect(resolveTick(shortPosition, 70n, 79n)).toEqual({ reason: 'take_profit', fillPrice: 79n, triggerPrice: 80n, slippage: 1n });
    expect(resolveTick(longPosition, 100n, 101n)).toBeNull();
    expect(resolveTick(shortPosition, 99n, 100n)).toBeNull();
    // A long reads only the bid and a short only the ask.
    expect(resolveTick(longPosition, 100n, 130n)).toBeNull();
    expect(resolveTick(shortPosition, 60n, 100n)).toBeNull();
  });
});

describe('pending orders', () => {
  it('long limit ask <= p, long stop ask >= p, short limit bid >= p, short stop bid <= p; fill at the side price', () => {
    expect(pendingOrderFill({ side: 'long', type: 'limit', price: 100n }, 98n, 100n)).toEqual({ fillPrice: 100n, slippage: 0n });
    expect(pendingOrderFill({ side: 'long', type: 'limit', price: 100n }, 99n, 101n)).toBeNull();
    expect(pendingOrderFill({ side: 'long', type: 'stop', price: 100n }, 99n, 103n)).toEqual({ fillPrice: 103n, slippage: 3n });
    expect(pendingOrderFill({ side: 'long', type: 'stop', price: 100n }, 98n, 99n)).toBeNull();
    expect(pendingOrderFill({ side: 'short', type: 'limit', price: 100n }, 102n, 103n)).toEqual({ fillPrice: 102n, slippage: 2n });
    expect(pendingOrderFill({ side: 'short', type: 'limit', price: 100n }, 99n, 103n)).toBeNull();
    expect(pendingOrderFill({ side: 'short', type: 'stop', price: 100n }, 100n, 103n)).toEqual({ fillPrice: 100n, slippage: 0n });
    expect(pendingOrderFill({ side: 'short', type: 'stop', price: 100n }, 101n, 103n)).toBeNull();
  });
});
