import { formatUnits } from './amm-decimal';
import { InsufficientShares } from './amm-errors';
import { createMarketMaker, quoteBuy, quoteSell } from './lmsr';
import { applyFill, emptyPosition, markToMarket } from './position';

const USDC = 1_000_000n;

describe('position tracker', () => {
  const market = createMarketMaker({ outcomeCount: 2, subsidy: 100n * USDC });
  const buy = quoteBuy(market, 0, 10n * USDC);
  const afterBuy = applyFill(emptyPosition(2), buy.fill);

  it('adds bought shares, cost basis and what was paid (fee included)', () => {
    expect(afterBuy).toEqual({ shares: [buy.fill.shares, 0n], costBasis: [10n * USDC, 0n], paid: 10n * USDC, received: 0n });
  });

  it('removes sold shares with their share of the cost basis and adds what was received', () => {
    const sell = quoteSell(buy.state, 0, buy.fill.shares / 4n);
    const afterSell = applyFill(afterBuy, sell.fill);
    const remaining = buy.fill.shares - buy.fill.shares / 4n;
    expect(afterSell.shares).toEqual([remaining, 0n]);
    expect(afterSell.costBasis[0]).toBe((10n * USDC * remaining + buy.fill.shares - 1n) / buy.fill.shares);
    expect(afterSell.received).toBe(sell.fill.amount);
    expect(afterSell.paid).toBe(10n * USDC);
    const closed = applyFill(afterSell, quoteSell(sell.state, 0, remaining).fill);
    expect(closed.shares).toEqual([0n, 0n]);
    expect(closed.costBasis).toEqual([0n, 0n]);
  });

  it('refuses to sell more than the position holds', () => {
    const bigger = quoteBuy(buy.state, 0, 20n * USDC);
    const sale = quoteSell(bigger.state, 0, buy.fill.shares + 1n);
    expect(() => applyFill(afterBuy, sale.fill)).toThrow(InsufficientShares);
    expect(() => applyFill(afterBuy, sale.fill)).toThrow(
      expect.objectContaining({
        message: `Cannot sell ${formatUnits(buy.fill.shares + 1n)} shares of outcome 0: the position holds ${formatUnits(buy.fill.shares)}`,
        details: { outcome: 0, shares: formatUnits(buy.fill.shares + 1n), held: formatUnits(buy.fill.shares) },
      }),
    );
  });

  it('marks held shares to market at current prices, rounded down', () => {
    expect(markToMarket(market, [2n * USDC, 0n])).toBe(USDC);
    expect(markToMarket(market, [3n, 0n])).toBe(1n);
    const value = markToMarket(buy.state, afterBuy.shares);
    expect(value).toBeGreaterThan(9n * USDC);
    expect(value).toBeLessThan(11n * USDC);
  });
});
