import type { Decimal } from 'decimal.js';
import { AmmDecimal, MAX_EXPONENT, MAX_UNITS, ceilToUnits, floorToUnits, formatUnits, toDecimal } from './amm-decimal';
import {
  InsufficientShares,
  InvalidMarketParameters,
  InvalidTradeInput,
  PriceMovedBeyondSlippage,
  TradeTooLarge,
  TradeTooSmall,
} from './amm-errors';
import { DEFAULT_FEE_SCHEDULE, FeeSchedule, FeeSplit, splitFee } from './fees';
import { fastBuy, fastCostToBuy, fastProceedsOfSale, fastSell } from './lmsr-fast';
import { formatPrices, formatRatio } from './price-format';

/**
 * Logarithmic market scoring rule (Hanson) over 2..20 outcomes, in exact integer minor units.
 *
 * Units: USDC has 6 decimals and so do shares, and a winning share pays 1 USDC, so one share unit is worth
 * at most one USDC minor unit. All state is bigint; exp/ln run in 40-digit decimals and every result is
 * rounded in the pool's favour: shares bought down, sale proceeds down, cost of a given number of shares up.
 * Quotes first try a float64 path (lmsr-fast.ts) that returns the same integers whenever it can prove them, which
 * is nearly always, and fall back to the 40-digit path otherwise; lmsr-decimal.reference.ts is the test oracle.
 *
 * Cost: C(q) = b * ln(sum_i exp((q_i + prior_i) / b)), computed as log-sum-exp around the largest level
 * so no exp() argument is positive and large q / b loses no precision.
 */

export const MIN_OUTCOMES = 2;
export const MAX_OUTCOMES = 20;
/** Each initial probability must be at least this (and so at most 1 - (n-1) * this). */
export const MIN_INITIAL_PROBABILITY = '0.01';
/** Initial probabilities may miss a sum of 1 by this much (e.g. three times 0.333333); they are then normalized. */
export const PROBABILITY_SUM_TOLERANCE = '0.000001';

export interface LmsrState {
  /** LMSR `b` in minor units, fixed at creation: floor(subsidy / ln(1 / min initial probability)), = subsidy / ln(n) when uniform. */
  readonly liquidity: bigint;
  /** `q`: shares of each outcome held by traders (share minor units). The pool owes outstandingShares[i] if i wins. */
  readonly outstandingShares: readonly bigint[];
  /**
   * Virtual shares that encode the initial probabilities: floor(b * ln(p_i / p_min)), so all zero for a
   * uniform start. They shift the cost function only; nobody holds them and they are never paid.
   */
  readonly priorShares: readonly bigint[];
}

export interface MarketMakerParameters {
  readonly outcomeCount: number;
  /** What the funder puts in the pool at creation; the maker can never lose more than this. */
  readonly subsidy: bigint;
  /** Decimal strings (or numbers) per outcome, each >= MIN_INITIAL_PROBABILITY, summing to 1. */
  readonly initialProbabilities?: readonly (string | number)[];
}

export type TradeSide = 'buy' | 'sell';

/** What a buy or sell does, in the shape the API answers (amounts as bigint minor units here). */
export interface AmmFill {
  readonly side: TradeSide;
  readonly outcome: number;
  readonly shares: bigint;
  /** Buy: what the trader pays, fee included. Sell: what the trader receives, net of fee. */
  readonly amount: bigint;
  readonly fee: bigint;
  /** The part of `fee` that goes to the market's creator (the rest is the platform's). */
  readonly creatorFee: bigint;
  /** Cash into the market's pool: amount - fee on a buy, minus the gross proceeds on a sell. */
  readonly poolDelta: bigint;
  /** amount / shares as a decimal string (6 decimals): the effective price per share, fee included. */
  readonly averagePrice: string;
  /** Prices after the trade, 6-decimal strings that sum to exactly 1. */
  readonly prices: string[];
}

export interface AmmQuote {
  /** The maker's state after the trade; persist it only if the trade commits. */
  readonly state: LmsrState;
  readonly fill: AmmFill;
}

export interface BuyOptions {
  readonly fees?: FeeSchedule;
  /** Refuse (PriceMovedBeyondSlippage) if fewer shares would be bought. */
  readonly minShares?: bigint;
}

export interface SellOptions {
  readonly fees?: FeeSchedule;
  /** Refuse (PriceMovedBeyondSlippage) if the trader would receive less, net of fee. */
  readonly minProceeds?: bigint;
}

/** Builds the starting state and checks that the subsidy bounds the maker's loss. */
export function createMarketMaker(parameters: MarketMakerParameters): LmsrState {
  const { outcomeCount, subsidy } = parameters;
  if (!Number.isInteger(outcomeCount) || outcomeCount < MIN_OUTCOMES || outcomeCount > MAX_OUTCOMES) {
    throw new InvalidMarketParameters(`A market needs ${MIN_OUTCOMES} to ${MAX_OUTCOMES} outcomes, got ${outcomeCount}`);
  }
  if (subsidy <= 0n || subsidy > MAX_UNITS) {
    throw new InvalidMarketParameters(`subsidy must be positive and at most ${formatUnits(MAX_UNITS)} USDC, got ${formatUnits(subsidy)}`);
  }
  const probabilities = parameters.initialProbabilities
    ? normalizedProbabilities(parameters.initialProbabilities, outcomeCount)
    : undefined;
  // Worst-case loss of an LMSR started at probabilities p is b * ln(1 / min p) (b * ln n when uniform), so b is
  // chosen from the subsidy with that divisor, rounded down: a skewed start buys less liquidity, never more risk.
  const minProbability = probabilities ? AmmDecimal.min(...probabilities) : undefined;
  const lossPerLiquidity = minProbability ? AmmDecimal.ln(new AmmDecimal(1).div(minProbability)) : AmmDecimal.ln(outcomeCount);
  const liquidity = floorToUnits(toDecimal(subsidy).div(lossPerLiquidity));
  if (liquidity < 1n) {
    throw new InvalidMarketParameters(`subsidy ${formatUnits(subsidy)} USDC is too small to give the market any liquidity`);
  }
  const b = toDecimal(liquidity);
  const priorShares = probabilities
    ? probabilities.map((p) => floorToUnits(b.times(AmmDecimal.ln(p.div(minProbability!)))))
    : new Array<bigint>(outcomeCount).fill(0n);
  const state: LmsrState = { liquidity, outstandingShares: new Array<bigint>(outcomeCount).fill(0n), priorShares };
  const loss = worstCaseLoss(state);
  if (loss > subsidy) {
    // Cannot happen with the rounding above; refuse rather than open an under-funded market.
    throw new Error(`LMSR worst-case loss ${loss} exceeds subsidy ${subsidy}`);
  }
  return state;
}

/**
 * The most of its subsidy the maker can lose, C(prior) rounded up (b * ln n when uniform). Trades put at least
 * C(q + prior) - C(prior) into the pool and C(q + prior) >= max_i q_i (the prior shares are >= 0), so the pool
 * always holds subsidy - C(prior) + max_i q_i. At most the subsidy for states built by createMarketMaker.
 */
export function worstCaseLoss(state: LmsrState): bigint {
  assertValidState(state);
  const start = { ...state, outstandingShares: state.outstandingShares.map(() => 0n) };
  return ceilToUnits(costFunction(start));
}

/** C(q) = b * ln(sum exp((q_i + prior_i) / b)) in minor units, unrounded. For checks and tests; trades use differences. */
export function costFunction(state: LmsrState): Decimal {
  assertValidState(state);
  const w = weightsOf(state);
  return toDecimal(w.top).plus(w.b.times(AmmDecimal.ln(w.total)));
}

/** Current prices (softmax of (q + prior) / b), unrounded; they sum to 1 up to the 40th digit. */
export function spotPrices(state: LmsrState): Decimal[] {
  assertValidState(state);
  const w = weightsOf(state);
  return w.weights.map((weight) => weight.div(w.total));
}

/** Current prices as 6-decimal strings summing to exactly 1, for the API. */
export function priceStrings(state: LmsrState): string[] {
  assertValidState(state);
  return formatPrices(weightsOf(state).weights);
}

/** What buying exactly `shares` of `outcome` costs the trader before fee: C(q + s e_i) - C(q), rounded up. */
export function costToBuy(state: LmsrState, outcome: number, shares: bigint): bigint {
  assertValidState(state);
  assertOutcome(state, outcome);
  assertPositiveUnits(shares, 'shares');
  const fast = fastCostToBuy(state.liquidity, levelsOf(state), outcome, shares);
  if (fast !== undefined) return fast;
  return ceilToUnits(buyCostUpperBound(weightsOf(state), outcome, shares).cost);
}

/** What selling `shares` of `outcome` pays before fee: C(q) - C(q - s e_i), rounded down. */
export function proceedsOfSale(state: LmsrState, outcome: number, shares: bigint): bigint {
  assertValidState(state);
  assertOutcome(state, outcome);
  assertPositiveUnits(shares, 'shares');
  assertOutstanding(state, outcome, shares);
  const fast = fastProceedsOfSale(state.liquidity, levelsOf(state), outcome, shares);
  if (fast !== undefined) return fast;
  return floorToUnits(saleProceedsLowerBound(weightsOf(state), outcome, shares).proceeds);
}

/**
 * Buy `outcome` for `amount` minor units, fee included. The fee is floor(amount * feeBps / 10000); the rest
 * buys the largest whole number of share units whose cost does not exceed it. The pool keeps the rest (about
 * one minor unit at most). Quote and trade are the same call: the service persists `state` when it trades.
 */
export function quoteBuy(state: LmsrState, outcome: number, amount: bigint, options: BuyOptions = {}): AmmQuote {
  assertValidState(state);
  assertOutcome(state, outcome);
  assertPositiveUnits(amount, 'amount');
  const fees = splitFee(amount, options.fees ?? DEFAULT_FEE_SCHEDULE);
  const spend = amount - fees.fee;
  if (spend <= 0n) throw new TradeTooSmall(`amount ${formatUnits(amount)} USDC leaves nothing to buy shares with after the fee`);

  const fast = fastBuy(state.liquidity, levelsOf(state), outcome, spend);
  if (fast === 'too-small') throw tooSmallToBuy(amount);
  if (fast) return buyFill(state, outcome, amount, fees, fast.shares, () => fast.prices, options);
  return exactQuoteBuy(state, outcome, amount, fees, spend, options);
}

/** quoteBuy in 40-digit decimals, for the rare quotes the float path cannot prove. */
function exactQuoteBuy(state: LmsrState, outcome: number, amount: bigint, fees: FeeSplit, spend: bigint, options: BuyOptions): AmmQuote {
  const w = weightsOf(state);
  const b = w.b;
  // Closed form: with A = weight of i, R = the others' weight and G = exp(spend / b), buying s shares costs
  // exactly `spend` when exp(s / b) = (G * (A + R) - R) / A, i.e. s = (top - level_i) + b * ln(A * G + R * (G - 1)).
  // Written this way nothing is subtracted (no cancellation) and A may underflow without a division by zero.
  const growth = boundedExp(toDecimal(spend).div(b));
  const others = othersWeight(w, outcome);
  const inner = w.weights[outcome].times(growth).plus(others.times(growth.minus(1)));
  let shares = w.top - w.levels[outcome] + floorToUnits(b.times(AmmDecimal.ln(inner)));
  // The closed form is exact to ~35 digits; confirm cost <= spend on the integer result and step down if the
  // last digit fell on the wrong side of a whole unit.
  let priced = shares > 0n ? buyCostUpperBound(w, outcome, shares) : undefined;
  for (let attempt = 0; priced && priced.cost.greaterThan(toDecimal(spend)); attempt += 1) {
    if (attempt === 3) throw new Error(`LMSR buy closed form off by more than 3 units (outcome ${outcome}, spend ${spend})`);
    shares -= 1n;
    priced = shares > 0n ? buyCostUpperBound(w, outcome, shares) : undefined;
  }
  if (!priced || shares <= 0n) throw tooSmallToBuy(amount);
  const weightAfter = priced.weightAfter;
  return buyFill(state, outcome, amount, fees, shares, () => formatPrices(w.weights.map((weight, index) => (index === outcome ? weightAfter : weight))), options);
}

function tooSmallToBuy(amount: bigint): TradeTooSmall {
  return new TradeTooSmall(`amount ${formatUnits(amount)} USDC buys less than ${formatUnits(1n)} shares`);
}

function buyFill(state: LmsrState, outcome: number, amount: bigint, fees: FeeSplit, shares: bigint, pricesAfter: () => string[], options: BuyOptions): AmmQuote {
  if (options.minShares !== undefined && shares < options.minShares) {
    throw new PriceMovedBeyondSlippage(`${formatUnits(amount)} USDC would buy ${formatUnits(shares)} shares, fewer than minShares ${formatUnits(options.minShares)}`, {
      minShares: formatUnits(options.minShares),
      shares: formatUnits(shares),
    });
  }
  return {
    state: withOutstanding(state, outcome, shares),
    fill: {
      side: 'buy',
      outcome,
      shares,
      amount,
      fee: fees.fee,
      creatorFee: fees.creatorFee,
      poolDelta: amount - fees.fee,
      averagePrice: formatRatio(amount, shares),
      prices: pricesAfter(),
    },
  };
}

/**
 * Sell `shares` of `outcome` back to the pool. Gross proceeds C(q) - C(q - s e_i) are rounded down, the fee
 * floor(gross * feeBps / 10000) is taken from them, and the trader receives the rest (`amount`).
 * The caller must already have checked the trader holds the shares; this only refuses more than outstanding.
 */
export function quoteSell(state: LmsrState, outcome: number, shares: bigint, options: SellOptions = {}): AmmQuote {
  assertValidState(state);
  assertOutcome(state, outcome);
  assertPositiveUnits(shares, 'shares');
  assertOutstanding(state, outcome, shares);
  const fast = fastSell(state.liquidity, levelsOf(state), outcome, shares);
  if (fast) return sellFill(state, outcome, shares, fast.gross, () => fast.prices, options);
  const w = weightsOf(state);
  const sale = saleProceedsLowerBound(w, outcome, shares);
  const weightAfter = sale.weightAfter;
  return sellFill(state, outcome, shares, floorToUnits(sale.proceeds), () => formatPrices(w.weights.map((weight, index) => (index === outcome ? weightAfter : weight))), options);
}

function sellFill(state: LmsrState, outcome: number, shares: bigint, gross: bigint, pricesAfter: () => string[], options: SellOptions): AmmQuote {
  if (gross <= 0n) throw new TradeTooSmall(`selling ${formatUnits(shares)} shares would pay nothing`);
  const fees = splitFee(gross, options.fees ?? DEFAULT_FEE_SCHEDULE);
  const received = gross - fees.fee;
  if (options.minProceeds !== undefined && received < options.minProceeds) {
    throw new PriceMovedBeyondSlippage(`selling ${formatUnits(shares)} shares would pay ${formatUnits(received)} USDC, less than minProceeds ${formatUnits(options.minProceeds)} USDC`, {
      minProceeds: formatUnits(options.minProceeds),
      proceeds: formatUnits(received),
    });
  }
  return {
    state: withOutstanding(state, outcome, -shares),
    fill: {
      side: 'sell',
      outcome,
      shares,
      amount: received,
      fee: fees.fee,
      creatorFee: fees.creatorFee,
      poolDelta: -gross,
      averagePrice: formatRatio(received, shares),
      prices: pricesAfter(),
    },
  };
}

/** Throws InvalidMarketParameters unless the state is one the maker can price (for states read from storage). */
export function assertValidState(state: LmsrState): void {
  const n = state.outstandingShares.length;
  if (n < MIN_OUTCOMES || n > MAX_OUTCOMES || state.priorShares.length !== n) {
    throw new InvalidMarketParameters(`LMSR state must have ${MIN_OUTCOMES} to ${MAX_OUTCOMES} outcomes and one prior per outcome`);
  }
  if (state.liquidity < 1n || state.liquidity > MAX_UNITS) {
    throw new InvalidMarketParameters(`LMSR liquidity must be from ${formatUnits(1n)} to ${formatUnits(MAX_UNITS)}, got ${formatUnits(state.liquidity)}`);
  }
  for (const value of [...state.outstandingShares, ...state.priorShares]) {
    if (value < 0n || value > MAX_UNITS) throw new InvalidMarketParameters(`LMSR share counts must be from 0 to ${formatUnits(MAX_UNITS)}, got ${formatUnits(value)}`);
  }
}

/** Outcome weights exp((level_j - top) / b): the largest is 1, so their sum is in [1, n] and never overflows. */
interface Weights {
  readonly b: Decimal;
  /** q_j + prior_j per outcome */
  readonly levels: readonly bigint[];
  /** max_j (q_j + prior_j) */
  readonly top: bigint;
  readonly weights: readonly Decimal[];
  readonly total: Decimal;
}

function weightsOf(state: LmsrState): Weights {
  const b = toDecimal(state.liquidity);
  const levels = levelsOf(state);
  const top = levels.reduce((max, level) => (level > max ? level : max));
  // Untraded outcomes share a level; one exp() per distinct level.
  const byLevel = new Map<bigint, Decimal>();
  const weights = levels.map((level) => {
    let weight = byLevel.get(level);
    if (!weight) {
      weight = AmmDecimal.exp(toDecimal(level - top).div(b));
      byLevel.set(level, weight);
    }
    return weight;
  });
  const total = weights.reduce((sum, weight) => sum.plus(weight), new AmmDecimal(0));
  return { b, levels, top, weights, total };
}

function levelsOf(state: LmsrState): bigint[] {
  return state.outstandingShares.map((_, index) => levelOf(state, index));
}

function levelOf(state: LmsrState, outcome: number): bigint {
  return state.outstandingShares[outcome] + state.priorShares[outcome];
}

/** Sum of the other outcomes' weights, added up directly (total - weight_i would cancel when i dominates). */
function othersWeight(w: Weights, outcome: number): Decimal {
  return w.weights.reduce((sum, weight, index) => (index === outcome ? sum : sum.plus(weight)), new AmmDecimal(0));
}

/**
 * 40-digit exp/ln carry a relative error near 1e-39 each, so a difference b * (ln x - ln y) is off by at most
 * about b * (|ln x| + |ln y|) * 1e-39. Results are pushed by a bound 1000 times that before rounding, so a true
 * value a hair below a whole unit is never rounded to the wrong side of it against the pool.
 */
const ROUNDING_GUARD = new AmmDecimal('1e-36');

function roundingGuard(b: Decimal, lnBefore: Decimal, lnAfter: Decimal, result: Decimal): Decimal {
  return b.times(lnBefore.abs().plus(lnAfter.abs())).plus(result.abs()).plus(1).times(ROUNDING_GUARD);
}

/** C(q + s e_i) - C(q) = b * (ln(R + exp((level_i + s - top) / b)) - ln(total)), plus the rounding guard. */
function buyCostUpperBound(w: Weights, outcome: number, shares: bigint): { cost: Decimal; weightAfter: Decimal } {
  const weightAfter = boundedExp(shiftedExponent(w, outcome, shares));
  const lnAfter = AmmDecimal.ln(othersWeight(w, outcome).plus(weightAfter));
  const lnBefore = AmmDecimal.ln(w.total);
  const cost = w.b.times(lnAfter.minus(lnBefore));
  return { cost: cost.plus(roundingGuard(w.b, lnBefore, lnAfter, cost)), weightAfter };
}

/** C(q) - C(q - s e_i) = b * (ln(total) - ln(R + exp((level_i - s - top) / b))), minus the rounding guard. */
function saleProceedsLowerBound(w: Weights, outcome: number, shares: bigint): { proceeds: Decimal; weightAfter: Decimal } {
  const weightAfter = boundedExp(shiftedExponent(w, outcome, -shares));
  const lnAfter = AmmDecimal.ln(othersWeight(w, outcome).plus(weightAfter));
  const lnBefore = AmmDecimal.ln(w.total);
  const proceeds = w.b.times(lnBefore.minus(lnAfter));
  return { proceeds: proceeds.minus(roundingGuard(w.b, lnBefore, lnAfter, proceeds)), weightAfter };
}

/** (level_i + shareDelta - top) / b: the exponent of outcome i's weight after a trade of shareDelta. */
function shiftedExponent(w: Weights, outcome: number, shareDelta: bigint): Decimal {
  return toDecimal(w.levels[outcome] + shareDelta - w.top).div(w.b);
}

/** exp() of a trade-dependent argument; refuses arguments decimal.js cannot represent the result of. */
function boundedExp(exponent: Decimal): Decimal {
  if (exponent.abs().greaterThan(MAX_EXPONENT)) {
    throw new TradeTooLarge(`this trade moves the price beyond what the market's liquidity can represent`);
  }
  return AmmDecimal.exp(exponent);
}

function withOutstanding(state: LmsrState, outcome: number, shareDelta: bigint): LmsrState {
  const outstandingShares = state.outstandingShares.map((shares, index) => (index === outcome ? shares + shareDelta : shares));
  if (outstandingShares[outcome] > MAX_UNITS) throw new TradeTooLarge(`outstanding shares would exceed ${formatUnits(MAX_UNITS)}`);
  return { ...state, outstandingShares };
}

function assertOutcome(state: LmsrState, outcome: number): void {
  if (!Number.isInteger(outcome) || outcome < 0 || outcome >= state.outstandingShares.length) {
    throw new InvalidTradeInput(`Unknown outcome ${outcome}: this market has outcomes 0 to ${state.outstandingShares.length - 1}`);
  }
}

function assertPositiveUnits(value: bigint, name: string): void {
  if (value <= 0n) throw new InvalidTradeInput(`${name} must be positive, got ${formatUnits(value)}`);
  if (value > MAX_UNITS) throw new TradeTooLarge(`${name} must be at most ${formatUnits(MAX_UNITS)}, got ${formatUnits(value)}`);
}

function assertOutstanding(state: LmsrState, outcome: number, shares: bigint): void {
  const outstanding = state.outstandingShares[outcome];
  if (shares > outstanding) {
    throw new InsufficientShares(`Cannot sell ${formatUnits(shares)} shares of outcome ${outcome}: only ${formatUnits(outstanding)} are outstanding`, {
      outcome,
      shares: formatUnits(shares),
      outstanding: formatUnits(outstanding),
    });
  }
}

/** Parses, range-checks and normalizes initial probabilities so they sum to exactly 1 (to 40 digits). */
function normalizedProbabilities(raw: readonly (string | number)[], outcomeCount: number): Decimal[] {
  if (raw.length !== outcomeCount) {
    throw new InvalidMarketParameters(`initialProbabilities needs one value per outcome (${outcomeCount}), got ${raw.length}`);
  }
  const minimum = new AmmDecimal(MIN_INITIAL_PROBABILITY);
  const probabilities = raw.map((value, index) => {
    let probability: Decimal;
    try {
      probability = new AmmDecimal(value);
    } catch {
      throw new InvalidMarketParameters(`initialProbabilities[${index}] is not a number: ${String(value)}`);
    }
    if (!probability.isFinite() || probability.lessThan(minimum) || probability.greaterThanOrEqualTo(1)) {
      throw new InvalidMarketParameters(`initialProbabilities[${index}] must be at least ${MIN_INITIAL_PROBABILITY} and below 1, got ${String(value)}`);
    }
    return probability;
  });
  const sum = probabilities.reduce((total, p) => total.plus(p), new AmmDecimal(0));
  if (sum.minus(1).abs().greaterThan(PROBABILITY_SUM_TOLERANCE)) {
    throw new InvalidMarketParameters(`initialProbabilities must sum to 1, got ${sum.toString()}`);
  }
  return probabilities.map((p) => p.div(sum));
}
