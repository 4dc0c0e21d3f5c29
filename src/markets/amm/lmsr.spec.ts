import { AmmDecimal, MAX_UNITS, formatUnits, toDecimal } from './amm-decimal';
import {
  InsufficientShares,
  InvalidMarketParameters,
  InvalidTradeInput,
  PriceMovedBeyondSlippage,
  TradeTooLarge,
  TradeTooSmall,
} from './amm-errors';
import type { FeeSchedule } from './fees';
import {
  LmsrState,
  costFunction,
  costToBuy,
  createMarketMaker,
  priceStrings,
  proceedsOfSale,
  quoteBuy,
  quoteSell,
  spotPrices,
  worstCaseLoss,
} from './lmsr';

const USDC = 1_000_000n;
const NO_FEES: FeeSchedule = { feeBps: 0, creatorShareBps: 0 };

function sumOfPriceStrings(prices: readonly string[]): bigint {
  return prices.reduce((sum, price) => sum + BigInt(price.replace('.', '')), 0n);
}

/** A state with q_0 / b = ratio and every other outcome at zero. */
function skewedState(outcomeCount: number, ratio: bigint, liquidity = 1_000_000n): LmsrState {
  const outstandingShares = new Array<bigint>(outcomeCount).fill(0n);
  outstandingShares[0] = ratio * liquidity;
  return { liquidity, outstandingShares, priorShares: new Array<bigint>(outcomeCount).fill(0n) };
}

describe('createMarketMaker', () => {
  it('sets b = floor(subsidy / ln n) and a uniform start for 2 outcomes', () => {
    const state = createMarketMaker({ outcomeCount: 2, subsidy: 100n * USDC });
    expect(state.liquidity).toBe(144_269_504n); // 100e6 / ln 2 = 144269504.088...
    expect(state.outstandingShares).toEqual([0n, 0n]);
    expect(state.priorShares).toEqual([0n, 0n]);
    expect(priceStrings(state)).toEqual(['0.500000', '0.500000']);
  });

  it('starts 20 outcomes at 0.05 each', () => {
    const state = createMarketMaker({ outcomeCount: 20, subsidy: 1_000n * USDC });
    expect(state.liquidity).toBe(floorDecimal(toDecimal(1_000n * USDC).div(AmmDecimal.ln(20))));
    expect(priceStrings(state)).toEqual(new Array(20).fill('0.050000'));
  });

  it('honours initial probabilities', () => {
    const state = createMarketMaker({ outcomeCount: 3, subsidy: 100n * USDC, initialProbabilities: ['0.7', '0.2', '0.1'] });
    expect(priceStrings(state)).toEqual(['0.700000', '0.200000', '0.100000']);
    const expected = [0.7, 0.2, 0.1];
    spotPrices(state).forEach((price, index) => expect(Math.abs(price.toNumber() - expected[index])).toBeLessThan(1e-7));
    expect(state.outstandingShares).toEqual([0n, 0n, 0n]);
    expect(state.priorShares[2]).toBe(0n); // the least likely outcome anchors the shift
  });

  it('accepts numbers and probabilities that miss 1 by rounding, then normalizes them', () => {
    const state = createMarketMaker({ outcomeCount: 3, subsidy: 100n * USDC, initialProbabilities: [0.333333, 0.333333, 0.333333] });
    expect(priceStrings(state)).toEqual(['0.333334', '0.333333', '0.333333']);
  });

  it('keeps the worst-case loss within the subsidy, buying less liquidity for a skewed start', () => {
    const subsidy = 100n * USDC;
    const uniform = createMarketMaker({ outcomeCount: 2, subsidy });
    const skewed = createMarketMaker({ outcomeCount: 2, subsidy, initialProbabilities: ['0.95', '0.05'] });
    expect(worstCaseLoss(uniform)).toBeLessThanOrEqual(subsidy);
    expect(worstCaseLoss(skewed)).toBeLessThanOrEqual(subsidy);
    expect(worstCaseLoss(skewed)).toBeGreaterThan(subsidy - 10n); // the subsidy is used, not wasted
    // b = subsidy / ln(1 / 0.05) instead of subsidy / ln 2
    expect(skewed.liquidity).toBe(floorDecimal(toDecimal(subsidy).div(AmmDecimal.ln(20))));
    expect(skewed.liquidity).toBeLessThan(uniform.liquidity);
  });

  it.each([
    [{ outcomeCount: 1, subsidy: USDC }, /2 to 20 outcomes/],
    [{ outcomeCount: 21, subsidy: USDC }, /2 to 20 outcomes/],
    [{ outcomeCount: 2.5, subsidy: USDC }, /2 to 20 outcomes/],
    [{ outcomeCount: 2, subsidy: 0n }, /subsidy must be positive/],
    [{ outcomeCount: 2, subsidy: -5n }, /subsidy must be positive/],
    [{ outcomeCount: 2, subsidy: MAX_UNITS + 1n }, /subsidy must be positive/],
    [{ outcomeCount: 20, subsidy: 2n }, /too small/],
    [{ outcomeCount: 2, subsidy: USDC, initialProbabilities: ['0.5', '0.4'] }, /must sum to 1/],
    [{ outcomeCount: 2, subsidy: USDC, initialProbabilities: ['0.6', '0.6'] }, /must sum to 1/],
    [{ outcomeCount: 3, subsidy: USDC, initialProbabilities: ['0.5', '0.5'] }, /one value per outcome/],
    [{ outcomeCount: 2, subsidy: USDC, initialProbabilities: ['0.995', '0.005'] }, /at least 0.01/],
    [{ outcomeCount: 2, subsidy: USDC, initialProbabilities: ['1', '0'] }, /at least 0.01/],
    [{ outcomeCount: 2, subsidy: USDC, initialProbabilities: ['abc', '0.5'] }, /not a number/],
    [{ outcomeCount: 2, subsidy: USDC, initialProbabilities: [Number.NaN, 0.5] }, /at least 0.01/],
  ])('refuses %o', (parameters, message) => {
    expect(() => createMarketMaker(parameters)).toThrow(InvalidMarketParameters);
    expect(() => createMarketMaker(parameters)).toThrow(message);
  });
});

describe('prices', () => {
  it('sum to 1 exactly as 6-decimal strings and to 40 digits unrounded, after trades on 2 and 20 outcomes', () => {
    for (const outcomeCount of [2, 3, 7, 20]) {
      let state = createMarketMaker({ outcomeCount, subsidy: 50n * USDC });
      for (let step = 0; step < 5; step += 1) {
        const quote = quoteBuy(state, (step * 3) % outcomeCount, BigInt(step + 1) * 7n * USDC);
        state = quote.state;
        expect(sumOfPriceStrings(quote.fill.prices)).toBe(1_000_000n);
        expect(quote.fill.prices).toEqual(priceStrings(state));
        const total = spotPrices(state).reduce((sum, price) => sum.plus(price), new AmmDecimal(0));
        expect(total.minus(1).abs().lessThan('1e-38')).toBe(true);
      }
    }
  });

  it('rise for the outcome bought and fall for the others', () => {
    const state = createMarketMaker({ outcomeCount: 3, subsidy: 100n * USDC });
    const { fill } = quoteBuy(state, 1, 10n * USDC);
    expect(Number(fill.prices[1])).toBeGreaterThan(1 / 3);
    expect(Number(fill.prices[0])).toBeLessThan(1 / 3);
    expect(fill.prices[0]).toBe(fill.prices[2]);
  });
});

describe('quoteBuy', () => {
  const market = createMarketMaker({ outcomeCount: 2, subsidy: 100n * USDC });

  it('takes the fee, buys the most shares the rest pays for, and reports the fill', () => {
    const { state, fill } = quoteBuy(market, 0, 10n * USDC, { fees: { feeBps: 100, creatorShareBps: 2_500 } });
    expect(fill.fee).toBe(100_000n);
    expect(fill.creatorFee).toBe(25_000n);
    expect(fill.poolDelta).toBe(9_900_000n);
    expect(fill.amount).toBe(10n * USDC);
    expect(fill.side).toBe('buy');
    expect(fill.outcome).toBe(0);
    // Shares rounded down: these cost no more than was spent, one more unit would cost more.
    expect(costToBuy(market, 0, fill.shares)).toBeLessThanOrEqual(9_900_000n);
    expect(costToBuy(market, 0, fill.shares + 1n)).toBeGreaterThan(9_900_000n);
    expect(fill.averagePrice).toBe(toDecimal(fill.amount).div(toDecimal(fill.shares)).toFixed(6));
    expect(state.outstandingShares).toEqual([fill.shares, 0n]);
    expect(market.outstandingShares).toEqual([0n, 0n]); // input untouched
  });

  it('is deterministic, so the quote a client saw is the trade that follows on the same state', () => {
    expect(quoteBuy(market, 1, 7_654_321n)).toEqual(quoteBuy(market, 1, 7_654_321n));
  });

  it('puts only JSON-safe values in error details (the filter serializes them)', () => {
    const errors: unknown[] = [];
    for (const attempt of [() => quoteBuy(market, 0, USDC, { minShares: 10n ** 12n }), () => quoteSell(market, 0, 1n)]) {
      try {
        attempt();
      } catch (error) {
        errors.push(error);
      }
    }
    expect(errors).toHaveLength(2);
    for (const error of errors) expect(() => JSON.stringify((error as { details: unknown }).details)).not.toThrow();
  });

  it('uses the default 100 bps fee with no creator share', () => {
    const { fill } = quoteBuy(market, 1, 12_345_678n);
    expect(fill.fee).toBe(123_456n);
    expect(fill.creatorFee).toBe(0n);
  });

  it('matches the closed form on 20 outcomes for small and large amounts', () => {
    const many = createMarketMaker({ outcomeCount: 20, subsidy: 200n * USDC });
    for (const amount of [1n, 999n, 5n * USDC, 10_000n * USDC]) {
      const { fill } = quoteBuy(many, 19, amount, { fees: NO_FEES });
      expect(costToBuy(many, 19, fill.shares)).toBeLessThanOrEqual(amount);
      expect(costToBuy(many, 19, fill.shares + 1n)).toBeGreaterThan(amount);
    }
  });

  it('enforces minShares: equal passes, one more refuses with PriceMovedBeyondSlippage (422)', async () => {
    const { fill } = quoteBuy(market, 0, 10n * USDC);
    expect(quoteBuy(market, 0, 10n * USDC, { minShares: fill.shares }).fill.shares).toBe(fill.shares);
    const attempt = (): unknown => quoteBuy(market, 0, 10n * USDC, { minShares: fill.shares + 1n });
    expect(attempt).toThrow(PriceMovedBeyondSlippage);
    await expect(Promise.resolve().then(attempt)).rejects.toMatchObject({
      status: 422,
      error: 'PriceMovedBeyondSlippage',
      details: { minShares: formatUnits(fill.shares + 1n), shares: formatUnits(fill.shares) },
      message: `10.000000 USDC would buy ${formatUnits(fill.shares)} shares, fewer than minShares ${formatUnits(fill.shares + 1n)}`,
    });
  });

  it.each([
    ['zero amount', () => quoteBuy(market, 0, 0n), InvalidTradeInput],
    ['negative amount', () => quoteBuy(market, 0, -1n), InvalidTradeInput],
    ['outcome below 0', () => quoteBuy(market, -1, USDC), InvalidTradeInput],
    ['outcome past the last', () => quoteBuy(market, 2, USDC), InvalidTradeInput],
    ['fractional outcome', () => quoteBuy(market, 0.5, USDC), InvalidTradeInput],
    ['fee above 100%', () => quoteBuy(market, 0, USDC, { fees: { feeBps: 10_001, creatorShareBps: 0 } }), InvalidTradeInput],
    ['negative creator share', () => quoteBuy(market, 0, USDC, { fees: { feeBps: 100, creatorShareBps: -1 } }), InvalidTradeInput],
    ['all of it fee', () => quoteBuy(market, 0, USDC, { fees: { feeBps: 10_000, creatorShareBps: 0 } }), TradeTooSmall],
    ['more than MAX_UNITS', () => quoteBuy(market, 0, MAX_UNITS + 1n), TradeTooLarge],
    ['beyond the numeric range of a thin market', () => quoteBuy({ ...market, liquidity: 1n }, 0, 10n ** 18n), TradeTooLarge],
    ['a broken stored state', () => quoteBuy({ ...market, priorShares: [0n] }, 0, USDC), InvalidMarketParameters],
    ['a negative stored share count', () => quoteBuy({ ...market, outstandingShares: [-1n, 0n] }, 0, USDC), InvalidMarketParameters],
  ])('refuses %s', (_name, attempt, errorClass) => {
    expect(attempt).toThrow(errorClass);
  });
});

describe('quoteSell', () => {
  const market = createMarketMaker({ outcomeCount: 3, subsidy: 100n * USDC });
  const bought = quoteBuy(market, 2, 40n * USDC);

  it('pays C(q) - C(q - s e_i) rounded down, fee taken from proceeds', () => {
    const { state, fill } = quoteSell(bought.state, 2, bought.fill.shares / 2n, { fees: { feeBps: 200, creatorShareBps: 5_000 } });
    const gross = proceedsOfSale(bought.state, 2, bought.fill.shares / 2n);
    const exact = costFunction(bought.state).minus(costFunction(state));
    expect(toDecimal(gross).lessThanOrEqualTo(exact)).toBe(true);
    expect(exact.minus(toDecimal(gross)).lessThan(1)).toBe(true);
    expect(fill.fee).toBe((gross * 200n) / 10_000n);
    expect(fill.creatorFee).toBe(fill.fee / 2n);
    expect(fill.amount).toBe(gross - fill.fee);
    expect(fill.poolDelta).toBe(-gross);
    expect(state.outstandingShares[2]).toBe(bought.fill.shares - bought.fill.shares / 2n);
  });

  it('enforces minProceeds on what the trader receives net of fee', () => {
    const { fill } = quoteSell(bought.state, 2, 1_000_000n);
    expect(quoteSell(bought.state, 2, 1_000_000n, { minProceeds: fill.amount }).fill.amount).toBe(fill.amount);
    expect(() => quoteSell(bought.state, 2, 1_000_000n, { minProceeds: fill.amount + 1n })).toThrow(PriceMovedBeyondSlippage);
    expect(() => quoteSell(bought.state, 2, 1_000_000n, { minProceeds: fill.amount + 1n })).toThrow(
      expect.objectContaining({
        message: `selling 1.000000 shares would pay ${formatUnits(fill.amount)} USDC, less than minProceeds ${formatUnits(fill.amount + 1n)} USDC`,
        details: { minProceeds: formatUnits(fill.amount + 1n), proceeds: formatUnits(fill.amount) },
      }),
    );
  });

  it('speaks decimal shares, not share units, when selling more than is outstanding', () => {
    const outstanding = bought.state.outstandingShares[2];
    expect(() => quoteSell(bought.state, 2, 999_999_000_000n)).toThrow(
      expect.objectContaining({
        message: `Cannot sell 999999.000000 shares of outcome 2: only ${formatUnits(outstanding)} are outstanding`,
        details: { outcome: 2, shares: '999999.000000', outstanding: formatUnits(outstanding) },
      }),
    );
  });

  it.each([
    ['more than outstanding', () => quoteSell(bought.state, 2, bought.fill.shares + 1n), InsufficientShares],
    ['an outcome nobody holds', () => quoteSell(bought.state, 0, 1n), InsufficientShares],
    ['zero shares', () => quoteSell(bought.state, 2, 0n), InvalidTradeInput],
    ['negative shares', () => quoteSell(bought.state, 2, -3n), InvalidTradeInput],
    ['an unknown outcome', () => quoteSell(bought.state, 3, 1n), InvalidTradeInput],
    ['one share unit worth less than a minor unit', () => quoteSell(bought.state, 2, 1n), TradeTooSmall],
  ])('refuses %s', (_name, attempt, errorClass) => {
    expect(attempt).toThrow(errorClass);
  });
});

describe('round trips and path independence', () => {
  const starts: [string, LmsrState][] = [
    ['uniform 2', createMarketMaker({ outcomeCount: 2, subsidy: 10n * USDC })],
    ['skewed 3', createMarketMaker({ outcomeCount: 3, subsidy: 1_000n * USDC, initialProbabilities: ['0.8', '0.15', '0.05'] })],
    ['uniform 20', createMarketMaker({ outcomeCount: 20, subsidy: 500n * USDC })],
    ['extreme', skewedState(4, 1_000n)],
  ];
  const amounts = [1n, 3n, 777n, USDC, 123_456_789n, 50_000n * USDC];

  it.each(starts)('buying then selling the same shares never returns more than paid (%s)', (_name, start) => {
    for (const fees of [NO_FEES, { feeBps: 100, creatorShareBps: 0 }]) {
      for (const outcome of [0, start.outstandingShares.length - 1]) {
        for (const amount of amounts) {
          const received = nothingIfTooSmall(() => {
            const buy = quoteBuy(start, outcome, amount, { fees });
            return quoteSell(buy.state, outcome, buy.fill.shares, { fees }).fill.amount;
          });
          expect(received).toBeLessThanOrEqual(amount);
        }
      }
    }
  });

  it.each(starts)('buying x then y costs what buying x + y costs, within one minor unit (%s)', (_name, start) => {
    const outcome = start.outstandingShares.length - 1;
    for (const [x, y] of [
      [USDC, 2n * USDC],
      [5n, 999_999n],
      [77n * USDC, 3n * USDC],
    ]) {
      const first = quoteBuy(start, outcome, x, { fees: NO_FEES });
      const second = quoteBuy(first.state, outcome, y, { fees: NO_FEES });
      const together = quoteBuy(start, outcome, x + y, { fees: NO_FEES });
      const costOfBoth = costToBuy(start, outcome, first.fill.shares + second.fill.shares);
      expect(costOfBoth).toBeLessThanOrEqual(x + y);
      expect(costOfBoth).toBeGreaterThanOrEqual(x + y - 1n);
      // One purchase rounds down once, two round down twice: together never buys fewer shares.
      expect(together.fill.shares).toBeGreaterThanOrEqual(first.fill.shares + second.fill.shares);
      expect(costToBuy(start, outcome, together.fill.shares) - costOfBoth).toBeLessThanOrEqual(1n);
      // Cost of shares is path independent: s1 then s2 costs s1 + s2, rounding up each step adds at most 1.
      const stepwise = costToBuy(start, outcome, first.fill.shares) + costToBuy(first.state, outcome, second.fill.shares);
      expect(stepwise - costOfBoth).toBeGreaterThanOrEqual(0n);
      expect(stepwise - costOfBoth).toBeLessThanOrEqual(1n);
    }
  });
});

describe('extreme q / b', () => {
  it('prices e^-1000 exactly instead of overflowing at q / b = 1000', () => {
    const state = skewedState(2, 1_000n);
    const [likely, unlikely] = spotPrices(state);
    const expected = AmmDecimal.exp(-1000).div(AmmDecimal.exp(-1000).plus(1));
    expect(unlikely.div(expected).minus(1).abs().lessThan('1e-35')).toBe(true);
    expect(likely.toString()).toBe('1');
    expect(priceStrings(state)).toEqual(['1.000000', '0.000000']);
    // Naive sum of exp(q_i / b) overflows a JS number; log-sum-exp gives C(q) = q_0 + b ln(1 + e^-1000) = q_0
    // to all 40 digits (the e^-1000 term is 5e-430 of a minor unit).
    expect(Math.exp(1000)).toBe(Infinity);
    expect(costFunction(state).toString()).toBe(state.outstandingShares[0].toString());
    const larger = skewedState(2, 1_000n, 987_654_321n);
    expect(costFunction(larger).toString()).toBe(larger.outstandingShares[0].toString());
  });

  it('buys the near-certain outcome at 1 per share and the near-impossible one in bulk', () => {
    const state = skewedState(2, 1_000n);
    const certain = quoteBuy(state, 0, USDC, { fees: NO_FEES });
    expect(certain.fill.shares).toBe(USDC - 1n); // price is 1 - 5e-435: one unit short of a whole share
    const longShot = quoteBuy(state, 1, USDC, { fees: NO_FEES });
    // s = b * ln(1 + (e^(c/b) - 1) / p): about 1000 b + b ln(e - 1)
    const expected = toDecimal(state.liquidity).times(AmmDecimal.ln(AmmDecimal.exp(1).minus(1)).plus(1000));
    expect(toDecimal(longShot.fill.shares).minus(expected).abs().lessThan(2)).toBe(true);
    const back = quoteSell(longShot.state, 1, longShot.fill.shares, { fees: NO_FEES });
    expect(back.fill.amount).toBeLessThanOrEqual(USDC);
    expect(back.fill.amount).toBeGreaterThanOrEqual(USDC - 1n);
  });

  it('still trades at q / b = 1,000,000 on 20 outcomes', () => {
    const state = skewedState(20, 1_000_000n, 1_000n);
    const { fill } = quoteBuy(state, 7, 10n * USDC, { fees: NO_FEES });
    expect(costToBuy(state, 7, fill.shares)).toBeLessThanOrEqual(10n * USDC);
    expect(costToBuy(state, 7, fill.shares + 1n)).toBeGreaterThan(10n * USDC);
    expect(sumOfPriceStrings(fill.prices)).toBe(1_000_000n);
    const sale = quoteSell(state, 0, 5n * USDC, { fees: NO_FEES });
    expect(sale.fill.amount).toBe(5n * USDC - 1n); // floor of 5e6 - ~1e-400
  });
});

/** A trade rounded in the pool's favour may be refused as too small; count that as nothing received. */
function nothingIfTooSmall(trade: () => bigint): bigint {
  try {
    return trade();
  } catch (error) {
    if (error instanceof TradeTooSmall) return 0n;
    throw error;
  }
}

function floorDecimal(value: ReturnType<typeof toDecimal>): bigint {
  return BigInt(value.floor().toFixed(0));
}
