import { PoolInvariantViolation } from './amm-errors';
import { createMarketMaker, quoteBuy, quoteSell } from './lmsr';
import { applyFill, emptyPosition } from './position';
import { poolBalanceAfter } from './pool';
import { cancellationRefund, cancellationSettlement, resolutionPayout, resolutionSettlement } from './settlement';

const USDC = 1_000_000n;

describe('resolution', () => {
  const subsidy = 100n * USDC;
  const start = createMarketMaker({ outcomeCount: 2, subsidy });
  const alice = quoteBuy(start, 0, 30n * USDC);
  const bob = quoteBuy(alice.state, 1, 20n * USDC);
  const pool = poolBalanceAfter(poolBalanceAfter(subsidy, alice.fill), bob.fill);

  it('pays one USDC per whole winning share, one minor unit per share unit', () => {
    expect(resolutionPayout({ shares: [2_500_000n, 7n] }, 0)).toBe(2_500_000n);
    expect(resolutionPayout({ shares: [2_500_000n, 7n] }, 1)).toBe(7n);
  });

  it('returns what the winners do not take to the funder', () => {
    const settlement = resolutionSettlement(bob.state, pool, 0);
    expect(settlement.totalPayout).toBe(alice.fill.shares);
    expect(settlement.funderReturn).toBe(pool - alice.fill.shares);
    expect(settlement.funderReturn).toBeGreaterThanOrEqual(0n);
  });

  it('refuses to settle a pool that cannot pay', () => {
    expect(() => resolutionSettlement(bob.state, alice.fill.shares - 1n, 0)).toThrow(PoolInvariantViolation);
  });
});

describe('cancellation', () => {
  it('refunds paid minus received, fees included, and never below zero', () => {
    expect(cancellationRefund({ paid: 10n * USDC, received: 4n * USDC })).toBe(6n * USDC);
    expect(cancellationRefund({ paid: 10n * USDC, received: 12n * USDC })).toBe(0n);
    expect(cancellationRefund(emptyPosition(3))).toBe(0n);
  });

  it('returns the whole subsidy and asks for the fees back as top-up', () => {
    const subsidy = 50n * USDC;
    const start = createMarketMaker({ outcomeCount: 3, subsidy });
    const buy = quoteBuy(start, 2, 10n * USDC);
    const sell = quoteSell(buy.state, 2, buy.fill.shares / 2n);
    const position = applyFill(applyFill(emptyPosition(3), buy.fill), sell.fill);
    const pool = poolBalanceAfter(poolBalanceAfter(subsidy, buy.fill), sell.fill);
    const refund = cancellationRefund(position);
    expect(refund).toBe(10n * USDC - sell.fill.amount);
    const settlement = cancellationSettlement({ poolBalance: pool, subsidy, totalRefunds: refund });
    expect(settlement).toEqual({ fromPool: pool, topUp: buy.fill.fee + sell.fill.fee, funderReturn: subsidy });
  });

  it('hands anything left in the pool to the funder', () => {
    expect(cancellationSettlement({ poolBalance: 120n, subsidy: 100n, totalRefunds: 15n })).toEqual({ fromPool: 120n, topUp: 0n, funderReturn: 105n });
  });
});
