/**
 * Money of the rounds venue: integer minor units as bigint, prices as integer 1e-8 units.
 * Every division floors, so rounding always favours the pot, never the player.
 */

export type PositionSide = 'long' | 'short';

const BPS_SCALE = 10_000n;

function assertNonNegative(value: bigint, name: string): void {
  if (value < 0n) throw new RangeError(`${name} cannot be negative, got ${value}`);
}

function assertPositivePrice(price: bigint, name: string): void {
  if (price <= 0n) throw new RangeError(`${name} must be positive, got ${price}`);
}

function toBps(feeBps: bigint | number): bigint {
  if (typeof feeBps === 'number' && !Number.isSafeInteger(feeBps)) throw new RangeError(`fee bps must be an integer, got ${feeBps}`);
  const bps = BigInt(feeBps);
  if (bps < 0n || bps > BPS_SCALE) throw new RangeError(`fee bps must be in [0, 10000], got ${bps}`);
  return bps;
}

/** fee = floor(amount * feeBps / 10000). */
export function roundFee(amount: bigint, feeBps: bigint | number): bigint {
  assertNonNegative(amount, 'amount');
  return (amount * toBps(feeBps)) / BPS_SCALE;
}

/** An opening amount split into the fee (to the fees account) and the stake (to the round's pot). */
export function splitAmount(amount: bigint, feeBps: bigint | number): { fee: bigint; stake: bigint } {
  const fee = roundFee(amount, feeBps);
  return { fee, stake: amount - fee };
}

/** long: floor(stake * exit / entry). 0 after a rug (exit 0). */
export function longPayout(stake: bigint, entryPrice: bigint, exitPrice: bigint): bigint {
  assertNonNegative(stake, 'stake');
  assertPositivePrice(entryPrice, 'entry price');
  assertNonNegative(exitPrice, 'exit price');
  return (stake * exitPrice) / entryPrice;
}

/** short: max(0, floor(stake * (2 * entry - exit) / entry)). Twice the stake after a rug, 0 at or beyond 2x entry. */
export function shortPayout(stake: bigint, entryPrice: bigint, exitPrice: bigint): bigint {
  assertNonNegative(stake, 'stake');
  assertPositivePrice(entryPrice, 'entry price');
  assertNonNegative(exitPrice, 'exit price');
  const numerator = stake * (2n * entryPrice - exitPrice);
  // BigInt division truncates toward zero; a negative numerator is clamped first, so this is floor.
  return numerator <= 0n ? 0n : numerator / entryPrice;
}

export function positionPayout(side: PositionSide, stake: bigint, entryPrice: bigint, exitPrice: bigint): bigint {
  return side === 'long' ? longPayout(stake, entryPrice, exitPrice) : shortPayout(stake, entryPrice, exitPrice);
}

/** pnl = payout - amount: against what the player paid, fee included, so the pnls sum to their balance change. */
export function positionPnl(amount: bigint, payout: bigint): bigint {
  return payout - amount;
}

// ---- side bets -------------------------------------------------------------------------------

export interface SideBetWindow {
  startTick: number;
  endTick: number;
}

/** A side bet placed when `startTick` is the next tick to be generated covers [startTick, startTick + window - 1]. */
export function sideBetWindow(startTick: number, window: number): SideBetWindow {
  if (!Number.isSafeInteger(startTick) || startTick < 1) throw new RangeError(`start tick must be a positive integer, got ${startTick}`);
  if (!Number.isSafeInteger(window) || window < 1) throw new RangeError(`window must be a positive integer, got ${window}`);
  return { startTick, endTick: startTick + window - 1 };
}

export type SideBetStatus = 'active' | 'won' | 'lost';

/**
 * A side bet's status once the round reached `lastTick` (the last generated tick). It is won if the
 * round rugged inside the window, lost as soon as the window passed or the round ended otherwise.
 */
export function sideBetStatus(
  window: SideBetWindow,
  round: { lastTick: number; rugTick: number | null; ended: boolean },
): SideBetStatus {
  if (round.rugTick !== null) {
    return round.rugTick >= window.startTick && round.rugTick <= window.endTick ? 'won' : 'lost';
  }
  if (round.ended || round.lastTick >= window.endTick) return 'lost';
  return 'active';
}

const MULTIPLIER_DECIMALS = 4;
const MULTIPLIER_SCALE = 10n ** BigInt(MULTIPLIER_DECIMALS);
const MULTIPLIER_TEXT = /^(0|[1-9][0-9]*)(?:\.([0-9]{1,4}))?$/;

/**
 * A payout multiplier ("5", "4.5", up to 4 decimals) as an exact fraction of 10^4, so that
 * configuration never turns into float money.
 */
export function parseMultiplier(text: string): bigint {
  const match = MULTIPLIER_TEXT.exec(text);
  if (match === null) throw new RangeError(`multiplier must be a decimal with at most ${MULTIPLIER_DECIMALS} decimals, got ${JSON.stringify(text)}`);
  const scaled = BigInt(match[1]) * MULTIPLIER_SCALE + BigInt((match[2] ?? '').padEnd(MULTIPLIER_DECIMALS, '0'));
  if (scaled <= 0n) throw new RangeError('multiplier must be positive');
  return scaled;
}

/** What a won side bet pays, stake included: floor(amount * multiplier). */
export function sideBetPayout(amount: bigint, multiplier: string): bigint {
  assertNonNegative(amount, 'amount');
  return (amount * parseMultiplier(multiplier)) / MULTIPLIER_SCALE;
}

export interface SideBetOdds {
  /** Ticks the bet covers. */
  window: number;
  payoutMultiplier: string;
  /** 1 - (1 - rugProbability)^window. */
  winProbability: number;
  /** Expected net result per 1 unit staked: multiplier * winProbability - 1 (negative: the player loses on average). */
  expectedValuePerUnit: number;
  /** 1 - multiplier * winProbability: the share of stakes the house keeps on average. */
  houseEdge: number;
}

/**
 * Odds of a side bet placed now. Display figures (doubles), never used for money. When fewer
 * than `window` ticks remain before maxTicks (`ticksRemaining`), only those can rug, and the
 * probability counts only them: the figure a player sees is never better than the real one.
 */
export function sideBetOdds(input: {
  rugProbability: number;
  window: number;
  payoutMultiplier: string;
  ticksRemaining?: number;
}): SideBetOdds {
  const { rugProbability, window, payoutMultiplier } = input;
  if (!(rugProbability >= 0 && rugProbability <= 1)) throw new RangeError('rugProbability must be in [0, 1]');
  sideBetWindow(1, window);
  const multiplier = Number(parseMultiplier(payoutMultiplier)) / Number(MULTIPLIER_SCALE);
  const coveredTicks = Math.max(0, Math.min(window, input.ticksRemaining ?? window));
  const winProbability = 1 - Math.pow(1 - rugProbability, coveredTicks);
  const expectedReturn = multiplier * winProbability;
  return {
    window,
    payoutMultiplier,
    winProbability,
    expectedValuePerUnit: expectedReturn - 1,
    houseEdge: 1 - expectedReturn,
  };
}
