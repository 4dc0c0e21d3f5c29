import { toDecimal } from './amm-decimal';
import { TradeTooLarge, TradeTooSmall } from './amm-errors';
import type { FeeSchedule } from './fees';
import { MarketMakerParameters, costFunction, createMarketMaker, quoteBuy, quoteSell, worstCaseLoss } from './lmsr';
import { checkPoolInvariant, poolBalanceAfter } from './pool';
import { MarketPosition, applyFill, emptyPosition } from './position';
import { SeededRandom } from './seeded-random';
import { cancellationRefund, cancellationSettlement, resolutionPayout, resolutionSettlement } from './settlement';

const USDC = 1_000_000n;

interface Scenario {
  readonly seed: number;
  readonly market: MarketMakerParameters;
  readonly fees: FeeSchedule;
  readonly traders: number;
  readonly steps: number;
  /** Largest buy, in minor units: several times the subsidy pushes prices to the extremes. */
  readonly maxBuy: bigint;
}

const scenarios: Scenario[] = [
  { seed: 1, market: { outcomeCount: 2, subsidy: 100n * USDC }, fees: { feeBps: 100, creatorShareBps: 2_000 }, traders: 5, steps: 250, maxBuy: 300n * USDC },
  { seed: 2, market: { outcomeCount: 2, subsidy: 3n * USDC }, fees: { feeBps: 0, creatorShareBps: 0 }, traders: 3, steps: 250, maxBuy: 50n * USDC },
  { seed: 3, market: { outcomeCount: 3, subsidy: 50n * USDC, initialProbabilities: ['0.6', '0.3', '0.1'] }, fees: { feeBps: 250, creatorShareBps: 5_000 }, traders: 6, steps: 250, maxBuy: 200n * USDC },
  { seed: 4, market: { outcomeCount: 5, subsidy: 1_000n * USDC }, fees: { feeBps: 100, creatorShareBps: 0 }, traders: 8, steps: 200, maxBuy: 5_000n * USDC },
  { seed: 5, market: { outcomeCount: 20, subsidy: 20n * USDC }, fees: { feeBps: 30, creatorShareBps: 1_000 }, traders: 10, steps: 150, maxBuy: 100n * USDC },
  { seed: 6, market: { outcomeCount: 4, subsidy: 7n * USDC, initialProbabilities: ['0.01', '0.01', '0.01', '0.97'] }, fees: { feeBps: 100, creatorShareBps: 0 }, traders: 4, steps: 200, maxBuy: 1_000n * USDC },
];

describe('random trade sequences (seeded property test)', () => {
  it.each(scenarios)('keep the pool solvent and conserve money (seed $seed)', (scenario) => {
    const random = new SeededRandom(scenario.seed);
    const { subsidy, outcomeCount } = scenario.market;
    let state = createMarketMaker(scenario.market);
    const startCost = costFunction(state);
    let pool = subsidy;
    let cashIn = 0n;
    let cashOut = 0n;
    let fees = 0n;
    let creatorFees = 0n;
    let trades = 0;
    const positions: MarketPosition[] = Array.from({ length: scenario.traders }, () => emptyPosition(outcomeCount));

    for (let step = 0; step < scenario.steps; step += 1) {
      const trader = random.int(0, scenario.traders - 1);
      const outcome = random.int(0, outcomeCount - 1);
      const held = positions[trader].shares[outcome];
      const selling = held > 0n && random.next() < 0.4;
      let quote;
      try {
        quote = selling
          ? quoteSell(state, outcome, random.next() < 0.3 ? held : random.bigint(1n, held), { fees: scenario.fees })
          : quoteBuy(state, outcome, randomAmount(random, scenario.maxBuy), { fees: scenario.fees });
      } catch (error) {
        if (error instanceof TradeTooSmall || error instanceof TradeTooLarge) continue;
        throw error;
      }
      const { fill } = quote;
      trades += 1;
      if (fill.side === 'buy') cashIn += fill.amount;
      else cashOut += fill.amount;
      fees += fill.fee;
      creatorFees += fill.creatorFee;
      expect(fill.creatorFee).toBeLessThanOrEqual(fill.fee);
      pool = poolBalanceAfter(pool, fill);
      state = quote.state;
      positions[trader] = applyFill(positions[trader], fill);

      // Money is conserved: what traders put in minus what they took out is the pool's change plus fees.
      expect(cashIn - cashOut - fees).toBe(pool - subsidy);
      // The pool can pay whichever outcome wins.
      const check = checkPoolInvariant(state, pool);
      expect(check.holds).toBe(true);
      // Every rounding went the pool's way: it holds at least subsidy + C(q) - C(q0).
      expect(toDecimal(pool).greaterThanOrEqualTo(toDecimal(subsidy).plus(costFunction(state)).minus(startCost))).toBe(true);
      // Positions add up to the maker's outstanding shares.
      for (let i = 0; i < outcomeCount; i += 1) {
        expect(positions.reduce((sum, position) => sum + position.shares[i], 0n)).toBe(state.outstandingShares[i]);
      }
    }
    expect(trades).toBeGreaterThan(scenario.steps / 2);

    // Resolution, whichever outcome wins: winners are paid from the pool, the funder gets the rest and loses
    // at most the worst-case loss, which the subsidy covers.
    for (let winner = 0; winner < outcomeCount; winner += 1) {
      const settlement = resolutionSettlement(state, pool, winner);
      expect(positions.reduce((sum, position) => sum + resolutionPayout(position, winner), 0n)).toBe(settlement.totalPayout);
      expect(settlement.totalPayout + settlement.funderReturn).toBe(pool);
      expect(settlement.funderReturn).toBeGreaterThanOrEqual(subsidy - worstCaseLoss(state));
    }

    // Cancellation: the pool plus the top-up pays every refund and the whole subsidy, and the top-up is the fees
    // (refunded too) plus whatever profit traders took out before the cancel.
    const refunds = positions.map(cancellationRefund);
    const totalRefunds = refunds.reduce((sum, refund) => sum + refund, 0n);
    const profitTaken = positions.reduce((sum, position) => sum + (position.received > position.paid ? position.received - position.paid : 0n), 0n);
    const cancel = cancellationSettlement({ poolBalance: pool, subsidy, totalRefunds });
    expect(cancel.fromPool + cancel.topUp).toBe(totalRefunds + cancel.funderReturn);
    expect(cancel.funderReturn).toBe(subsidy);
    expect(cancel.topUp).toBe(fees + profitTaken);
    expect(creatorFees).toBeLessThanOrEqual(fees);
  });
});

/** Mostly everyday amounts, sometimes dust, sometimes whale trades that push a price to the extreme. */
function randomAmount(random: SeededRandom, maxBuy: bigint): bigint {
  const roll = random.next();
  if (roll < 0.1) return random.bigint(1n, 1_000n);
  if (roll < 0.9) return random.bigint(1n, maxBuy / 10n);
  return random.bigint(maxBuy / 10n, maxBuy);
}
