/**
 * Float64 fast path for the LMSR (issue 14): the same integer answers as the 40-digit decimal path in lmsr.ts,
 * at a fraction of the cost, or `undefined` when float64 cannot be sure, and then the caller runs the decimal path.
 *
 * How it stays bit-identical: every rounded result of the decimal path is floor/ceil of a real number V (a cost
 * plus its rounding guard, a closed-form share count, a scaled price). Here V is estimated in float64 together
 * with a bound E on |estimate - V| that covers float rounding (a few units of 2^-53 per operation, Math.exp/log
 * within 2 ulp), multiplied by FLOAT_SAFETY, plus a generous bound on the decimal path's own 40-digit error. If no
 * integer lies within E of the estimate, both paths round V to the same integer; otherwise we give up. With b
 * around 10^9 minor units E is about 10^-5, so a quote falls back roughly once in tens of thousands; E grows with b.
 *
 * Large magnitudes never reach a float: cost differences are split into an exact bigint part (the shift of the
 * top level) and b * (ln W' - ln W), where W and W' are weight sums normalized to their largest weight, in [1, n].
 */

/** Unit roundoff of float64. */
const U = 2 ** -53;
/** Margin on the float error bounds: they are first-order, and already assume 2 ulp where Math.exp/log promise 1. */
const FLOAT_SAFETY = 2;
/** Trades moving a level by more than this many b are left to the decimal path (which refuses beyond 10^15). */
const FAST_EXPONENT_LIMIT = 1_000_000n;
/** Magnitudes above this are not exact integers in float64; beyond it we do not decide. */
const MAX_DECIDABLE = 2 ** 51;
const MAX_DECIDABLE_UNITS = 2n ** 51n;
/** Absolute slack for weights that underflow float64 (the decimal path keeps them as tiny positive numbers). */
const UNDERFLOW_SLACK = 1e-290;
/** The decimal path pushes each cost by this relative guard before rounding (ROUNDING_GUARD in lmsr.ts). */
const DECIMAL_GUARD = 1e-36;
/** Bound on the decimal path's own relative error per 40-digit operation, with a wide margin. */
const DECIMAL_ERROR = 1e-36;
const PRICE_UNIT = 1_000_000;

/** Outcome weights exp((level_j - top) / b) in float64, their sum and ln of the sum, each with an error bound. */
interface FloatWeights {
  readonly liquidity: bigint;
  readonly b: number;
  readonly levels: readonly bigint[];
  readonly top: bigint;
  readonly weights: readonly number[];
  readonly weightErrors: readonly number[];
  readonly total: number;
  readonly totalError: number;
  readonly lnTotal: number;
  readonly lnTotalError: number;
}

function floatWeights(liquidity: bigint, levels: readonly bigint[]): FloatWeights {
  let top = levels[0];
  for (const level of levels) if (level > top) top = level;
  const b = Number(liquidity);
  const n = levels.length;
  const weights = new Array<number>(n);
  const weightErrors = new Array<number>(n);
  let total = 0;
  let totalError = 0;
  for (let index = 0; index < n; index += 1) {
    // The exponent (<= 0) has relative error <= 3u (two conversions and a division); exp adds <= 2 ulp.
    const exponent = Number(levels[index] - top) / b;
    const weight = Math.exp(exponent);
    const error = weight * (4 * U - 4 * U * exponent) + UNDERFLOW_SLACK;
    weights[index] = weight;
    weightErrors[index] = error;
    total += weight;
    totalError += error;
  }
  totalError += n * U * total;
  const lnTotal = Math.log(total);
  const lnTotalError = (totalError / total) * 1.01 + 4 * U * lnTotal;
  return { liquidity, b, levels, top, weights, weightErrors, total, totalError, lnTotal, lnTotalError };
}

/** floor(estimate +- error) when both ends agree, else undefined. */
function decideFloor(estimate: number, error: number): number | undefined {
  if (!Number.isFinite(estimate) || !Number.isFinite(error) || Math.abs(estimate) + error > MAX_DECIDABLE) return undefined;
  const margin = error + 2 * U * Math.abs(estimate);
  const low = Math.floor(estimate - margin);
  return low === Math.floor(estimate + margin) ? low : undefined;
}

function decideCeil(estimate: number, error: number): number | undefined {
  const floor = decideFloor(-estimate, error);
  return floor === undefined ? undefined : -floor;
}

/** Whether the true value (estimate +- error) exceeds threshold, or undefined when too close to tell. */
function decideGreater(estimate: number, error: number, threshold: number): boolean | undefined {
  if (!Number.isFinite(estimate) || !Number.isFinite(error) || Math.abs(threshold) > MAX_DECIDABLE) return undefined;
  const margin = error + 2 * U * (Math.abs(estimate) + Math.abs(threshold));
  if (estimate - margin > threshold) return true;
  if (estimate + margin < threshold) return false;
  return undefined;
}

function withinFastRange(liquidity: bigint, delta: bigint): boolean {
  return (delta < 0n ? -delta : delta) <= FAST_EXPONENT_LIMIT * liquidity;
}

/**
 * C(q + delta e_i) - C(q) = shift + fraction: shift = top' - top exactly, fraction = b * (ln W' - ln W) in float64.
 * `error` bounds |fraction + guard - (what the decimal path rounds - shift)|, guard being its rounding guard.
 */
interface CostChange {
  readonly after: FloatWeights;
  readonly shift: bigint;
  readonly fraction: number;
  readonly guard: number;
  readonly error: number;
}

function costChange(before: FloatWeights, outcome: number, shareDelta: bigint): CostChange {
  const levels = before.levels.slice();
  levels[outcome] += shareDelta;
  const after = floatWeights(before.liquidity, levels);
  const b = before.b;
  const shift = after.top - before.top;
  const fraction = b * (after.lnTotal - before.lnTotal);
  const floatError = b * (after.lnTotalError + before.lnTotalError) * (1 + 4 * U) + 4 * U * Math.abs(fraction);
  // The decimal path's guard: (b * (|ln before| + |ln after|) + |cost| + 1) * 1e-36, with ln after = shift / b + ln W'.
  const shiftValue = Number(shift);
  const guard = (b * before.lnTotal + Math.abs(shiftValue + b * after.lnTotal) + Math.abs(shiftValue + fraction) + 1) * DECIMAL_GUARD;
  return { after, shift, fraction, guard, error: FLOAT_SAFETY * floatError + guard * 0.01 };
}

/** ceil of the decimal path's guarded cost of buying `shares`, or undefined. */
function guardedBuyCost(before: FloatWeights, outcome: number, shares: bigint): { cost: bigint; change: CostChange } | undefined {
  const change = costChange(before, outcome, shares);
  const ceil = decideCeil(change.fraction + change.guard, change.error);
  return ceil === undefined ? undefined : { cost: change.shift + BigInt(ceil), change };
}

/** floor of the decimal path's guarded proceeds of selling `shares`, or undefined. */
function guardedSaleProceeds(before: FloatWeights, outcome: number, shares: bigint): { proceeds: bigint; change: CostChange } | undefined {
  const change = costChange(before, outcome, -shares);
  const floor = decideFloor(-change.fraction - change.guard, change.error);
  return floor === undefined ? undefined : { proceeds: -change.shift + BigInt(floor), change };
}

/** costToBuy's result (cost of exactly `shares`, rounded up), or undefined to use the decimal path. */
export function fastCostToBuy(liquidity: bigint, levels: readonly bigint[], outcome: number, shares: bigint): bigint | undefined {
  const before = floatWeights(liquidity, levels);
  if (!withinFastRange(liquidity, levels[outcome] + shares - before.top)) return undefined;
  return guardedBuyCost(before, outcome, shares)?.cost;
}

/** proceedsOfSale's result (proceeds of exactly `shares`, rounded down), or undefined to use the decimal path. */
export function fastProceedsOfSale(liquidity: bigint, levels: readonly bigint[], outcome: number, shares: bigint): bigint | undefined {
  const before = floatWeights(liquidity, levels);
  if (!withinFastRange(liquidity, levels[outcome] - shares - before.top)) return undefined;
  return guardedSaleProceeds(before, outcome, shares)?.proceeds;
}

export type FastBuy = { readonly shares: bigint; readonly prices: string[] } | 'too-small';

/**
 * quoteBuy's share count for `spend` (after fee) and the prices after, or 'too-small' where quoteBuy throws
 * TradeTooSmall, or undefined to use the decimal path. Mirrors it step by step: the closed form
 * s = (top - level_i) + floor(b * ln(A * G + R * (G - 1))), then step down while the guarded cost exceeds spend.
 */
export function fastBuy(liquidity: bigint, levels: readonly bigint[], outcome: number, spend: bigint): FastBuy | undefined {
  if (!withinFastRange(liquidity, spend)) return undefined;
  const before = floatWeights(liquidity, levels);
  const b = before.b;
  const n = levels.length;
  // b * ln(A * G + R * (G - 1)) = spend + b * ln(D), D = A + R * (1 - exp(-spend / b)): nothing cancels.
  const own = before.weights[outcome];
  let others = 0;
  let othersError = 0;
  for (let index = 0; index < n; index += 1) {
    if (index === outcome) continue;
    others += before.weights[index];
    othersError += before.weightErrors[index];
  }
  othersError += n * U * others;
  const growthShare = -Math.expm1(-Number(spend) / b);
  const d = own + others * growthShare;
  if (!(d > 1e-280)) return undefined;
  const dError = before.weightErrors[outcome] + othersError * growthShare + others * growthShare * 12 * U + U * d;
  const lnD = Math.log(d);
  const z = b * lnD;
  const zError = b * ((dError / d) * 1.01 + 4 * U * Math.abs(lnD)) * (1 + 4 * U) + 4 * U * Math.abs(z);
  // The decimal path's own error on b * ln(inner): G - 1 carries G's 40-digit rounding, weighted by R / D.
  const closedForm = Number(spend) + z;
  // Its weights carry relative errors (|x_j| + 1) * 1e-39, and sum_j w_j * (|x_j| + 1) <= 1.4 n.
  const decimalError = 1000 * 1e-39 * (b * ((3 * others + 1.4 * n + 1) / d + n + 3) + Math.abs(closedForm) + Number(spend));
  const floorZ = decideFloor(z, FLOAT_SAFETY * zError + decimalError);
  if (floorZ === undefined) return undefined;
  let shares = before.top - levels[outcome] + spend + BigInt(floorZ);
  let change: CostChange | undefined;
  for (let attempt = 0; shares > 0n; attempt += 1) {
    if (!withinFastRange(liquidity, levels[outcome] + shares - before.top)) return undefined;
    change = costChange(before, outcome, shares);
    const threshold = spend - change.shift;
    if (threshold > MAX_DECIDABLE_UNITS || threshold < -MAX_DECIDABLE_UNITS) return undefined;
    const exceeds = decideGreater(change.fraction + change.guard, change.error, Number(threshold));
    if (exceeds === undefined) return undefined;
    if (!exceeds) break;
    if (attempt === 3) return undefined; // the decimal path throws here
    shares -= 1n;
  }
  if (shares <= 0n || !change) return 'too-small';
  const prices = fastPrices(change.after);
  return prices ? { shares, prices } : undefined;
}

export type FastSell = { readonly gross: bigint; readonly prices: string[] };

/** quoteSell's gross proceeds (before fee) and the prices after, or undefined to use the decimal path. */
export function fastSell(liquidity: bigint, levels: readonly bigint[], outcome: number, shares: bigint): FastSell | undefined {
  const before = floatWeights(liquidity, levels);
  if (!withinFastRange(liquidity, levels[outcome] - shares - before.top)) return undefined;
  const sale = guardedSaleProceeds(before, outcome, shares);
  if (!sale) return undefined;
  const prices = fastPrices(sale.change.after);
  return prices ? { gross: sale.proceeds, prices } : undefined;
}

/**
 * formatPrices over these weights (6-decimal strings summing to exactly 1: floors, then the missing units to the
 * largest remainders, ties to the lower index), or undefined when a floor or the remainder order is too close to
 * call. Outcomes at the same level have bit-equal weights in both paths, so their ties break by index in both.
 */
function fastPrices(w: FloatWeights): string[] | undefined {
  const n = w.weights.length;
  const scaled = new Array<number>(n);
  const errors = new Array<number>(n);
  const floors = new Array<number>(n);
  const totalRelativeError = w.totalError / w.total;
  let floorSum = 0;
  for (let index = 0; index < n; index += 1) {
    const value = (w.weights[index] * PRICE_UNIT) / w.total;
    const floatError = PRICE_UNIT * ((w.weightErrors[index] + w.weights[index] * totalRelativeError) / w.total) * 1.01 + 4 * U * value;
    const error = FLOAT_SAFETY * floatError + (1 + value) * DECIMAL_ERROR * 1e12;
    const floor = decideFloor(value, error);
    if (floor === undefined) return undefined;
    scaled[index] = value;
    errors[index] = error;
    floors[index] = floor;
    floorSum += floor;
  }
  const missing = PRICE_UNIT - floorSum;
  if (missing > 0) {
    const order = scaled.map((_, index) => index);
    order.sort((a, c) => scaled[c] - floors[c] - (scaled[a] - floors[a]) || a - c);
    const granted = Math.min(missing, n);
    for (let rank = 0; rank < granted; rank += 1) {
      const winner = order[rank];
      for (let other = granted; other < n; other += 1) {
        const loser = order[other];
        if (w.levels[winner] === w.levels[loser]) continue;
        const gap = scaled[winner] - floors[winner] - (scaled[loser] - floors[loser]);
        if (!(gap > errors[winner] + errors[loser])) return undefined;
      }
      floors[winner] += 1;
    }
  }
  return floors.map(priceString);
}

function priceString(units: number): string {
  const digits = String(units).padStart(7, '0');
  return `${digits.slice(0, -6)}.${digits.slice(-6)}`;
}
