import { PoolInvariantViolation } from './amm-errors';
import { createMarketMaker, quoteBuy, quoteSell } from './lmsr';
import { assertPoolInvariant, checkPoolInvariant, poolBalanceAfter, poolLiability } from './pool';

const USDC = 1_000_000n;

describe('pool invariant', () => {
  const subsidy = 10n * USDC;
  const start = createMarketMaker({ outcomeCount: 3, subsidy });

  it('holds at creation with no liability', () => {
    expect(poolLiability(start)).toBe(0n);
    expect(checkPoolInvariant(start, subsidy)).toEqual({ holds: true, poolBalance: subsidy, requiredBalance: 0n, surplus: subsidy });
  });

  it('books buys and sells into the pool balance and stays solvent after a whale buy', () => {
    const buy = quoteBuy(start, 1, 1_000n * USDC);
    const afterBuy = poolBalanceAfter(subsidy, buy.fill);
    expect(afterBuy).toBe(subsidy + buy.fill.amount - buy.fill.fee);
    expect(poolLiability(buy.state)).toBe(buy.fill.shares);
    expect(checkPoolInvariant(buy.state, afterBuy).holds).toBe(true);
    const sell = quoteSell(buy.state, 1, buy.fill.shares / 3n);
    const afterSell = poolBalanceAfter(afterBuy, sell.fill);
    expect(afterSell).toBe(afterBuy - sell.fill.amount - sell.fill.fee);
    assertPoolInvariant(sell.state, afterSell);
  });

  it('reports and throws when the pool could not pay the winner', () => {
    const { state, fill } = quoteBuy(start, 0, 50n * USDC);
    const check = checkPoolInvariant(state, fill.shares - 1n);
    expect(check).toMatchObject({ holds: false, requiredBalance: fill.shares, surplus: -1n });
    expect(() => assertPoolInvariant(state, fill.shares - 1n)).toThrow(PoolInvariantViolation);
  });
});
