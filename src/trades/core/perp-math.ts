/**
 * Leveraged perpetuals against USDC: the exact rules of the issue as plain functions on bigints.
 * Money is USDC minor units (6 decimals); prices are price units (PRICE_DECIMALS = 8). Every rounding goes
 * against the user: P&L floors toward −∞, fees round up.
 */

export type PerpSide = 'long' | 'short';

/** Why a position closes: by the user, or by one of its triggers on a tick. */
export type CloseReason = 'user' | 'stop_loss' | 'take_profit' | 'liquidation';
export type TriggerReason = Exclude<CloseReason, 'user'>;

export const BPS = 10_000n;
export const DEFAULT_TAKER_FEE_BPS = 5n;
export const DEFAULT_MAINTENANCE_MARGIN_BPS = 50n;

/** What decides a position's P&L and liquidation: fixed when it opens. */
export interface PositionTerms {
  side: PerpSide;
  /** USDC minor units locked as collateral (> 0). */
  margin: bigint;
  /** Integer 1..maxLeverage. */
  leverage: number;
  /** Price units (> 0). */
  entryPrice: bigint;
  maintenanceMarginBps: bigint;
}

/** `floor(a / b)` for b > 0 (bigint `/` truncates toward zero, which would round a loss in the user's favour). */
export function floorDiv(a: bigint, b: bigint): bigint {
  if (b <= 0n) throw new RangeError('floorDiv needs a positive divisor');
  const quotient = a / b;
  return a % b !== 0n && a < 0n ? quotient - 1n : quotient;
}

/** `ceil(a / b)` for b > 0. */
export function ceilDiv(a: bigint, b: bigint): bigint {
  return -floorDiv(-a, b);
}

/** Why `leverage` is not acceptable (for a 400), or undefined. */
export function leverageProblem(leverage: unknown, maxLeverage: number): string | undefined {
  if (typeof leverage !== 'number' || !Number.isInteger(leverage)) return 'leverage must be an integer';
  if (leverage < 1 || leverage > maxLeverage) return `leverage must be between 1 and ${maxLeverage}`;
  return undefined;
}

/** `notional = margin * leverage`. */
export function notionalOf(margin: bigint, leverage: number): bigint {
  if (!Number.isInteger(leverage) || leverage < 1) throw new RangeError(`leverage must be a positive integer, got ${leverage}`);
  if (margin <= 0n) throw new RangeError('margin must be positive');
  return margin * BigInt(leverage);
}

/** The taker fee on a notional, rounded up: `ceil(notional * feeBps / 10000)`. Charged on open and on a non-liquidation close. */
export function takerFee(notional: bigint, feeBps: bigint): bigint {
  if (feeBps < 0n) throw new RangeError('feeBps must not be negative');
  return ceilDiv(notional * feeBps, BPS);
}

/** Exact P&L at `exitPrice`, floored toward −∞: long `N (exit − entry) / entry`, short `N (entry − exit) / entry`. */
export function pnlAt(side: PerpSide, notional: bigint, entryPrice: bigint, exitPrice: bigint): bigint {
  const move = side === 'long' ? exitPrice - entryPrice : entryPrice - exitPrice;
  return floorDiv(notional * move, entryPrice);
}

/**
 * The liquidation predicate at `price` (the bid for a long, the ask for a short):
 * `margin + pnl <= notional * maintenanceBps / 10000`, compared exactly (both sides × 10000).
 */
export function isLiquidatedAt(terms: PositionTerms, price: bigint): boolean {
  const notional = notionalOf(terms.margin, terms.leverage);
  const equity = terms.margin + pnlAt(terms.side, notional, terms.entryPrice, price);
  return equity * BPS <= notional * terms.maintenanceMarginBps;
}

/**
 * The first price at which the liquidation predicate holds, so that exactly
 *   long:  isLiquidatedAt(bid) ⇔ bid <= liquidationPrice   (0n: never liquidated by price, e.g. some leverage-1 longs)
 *   short: isLiquidatedAt(ask) ⇔ ask >= liquidationPrice   (1n at least: every positive ask liquidates)
 * for every positive price. The closed form is derived from the floored P&L, then nudged by single price units
 * until the predicate agrees at the boundary (the nudge is a guard; the formula is already exact).
 */
export function liquidationPrice(terms: PositionTerms): bigint {
  const notional = notionalOf(terms.margin, terms.leverage);
  const entry = terms.entryPrice;
  // equity = margin + floor(P&L) is an integer, so `equity <= N·mm/10000` ⇔ `floor(P&L) <= floor(N·mm/10000) − margin =: K`
  // ⇔ `P&L < K + 1`.
  const k = floorDiv(notional * terms.maintenanceMarginBps, BPS) - terms.margin;
  const holds = (price: bigint) => price >= 1n && isLiquidatedAt(terms, price);
  if (terms.side === 'long') {
    // N (p − E) / E < K + 1 ⇔ N·p < E (N + K + 1): the largest such p.
    let price = ceilDiv(entry * (notional + k + 1n), notional) - 1n;
    if (price < 0n) price = 0n;
    while (price >= 1n && !holds(price)) price -= 1n;
    while (holds(price + 1n)) price += 1n;
    return price;
  }
  // N (E − p) / E < K + 1 ⇔ N·p > E (N − K − 1): the smallest such p.
  let price = floorDiv(entry * (notional - k - 1n), notional) + 1n;
  if (price < 1n) price = 1n;
  while (price > 1n && holds(price - 1n)) price -= 1n;
  while (!holds(price)) price += 1n;
  return price;
}

/** Whether a long's liquidation price means "never by price". */
export function neverLiquidatedByPrice(side: PerpSide, liquidation: bigint): boolean {
  return side === 'long' && liquidation <= 0n;
}

export interface OpenTerms {
  notional: bigint;
  openFee: bigint;
  liquidationPrice: bigint;
}

/**
 * Everything fixed when a position opens, or the reason (for a 4xx) it cannot: the leverage out of range,
 * or a position that would be liquidated at its own entry price.
 */
export function openTerms(terms: PositionTerms, limits: { maxLeverage: number; takerFeeBps: bigint }): OpenTerms | { problem: string } {
  const leverage = leverageProblem(terms.leverage, limits.maxLeverage);
  if (leverage) return { problem: leverage };
  if (terms.margin <= 0n) return { problem: 'margin must be greater than zero' };
  if (terms.entryPrice <= 0n) return { problem: 'no price to open at' };
  if (isLiquidatedAt(terms, terms.entryPrice)) return { problem: `leverage ${terms.leverage} leaves less than the maintenance margin at entry` };
  const notional = notionalOf(terms.margin, terms.leverage);
  return { notional, openFee: takerFee(notional, limits.takerFeeBps), liquidationPrice: liquidationPrice(terms) };
}

export interface Settlement {
  pnl: bigint;
  /** Charged on a user, stop-loss or take-profit close; zero on liquidation. */
  closeFee: bigint;
  /** `max(0, margin + pnl − closeFee)`: what the user gets back; 0 on liquidation. */
  payout: bigint;
  /**
   * What the house takes from the margin (negative: what it pays in). `payout + closeFee + houseDelta = margin`,
   * so the settlement always balances.
   */
  houseDelta: bigint;
}

/** The money of a close at `exitPrice` (already the bid for a long, the ask for a short). */
export function settle(terms: PositionTerms, exitPrice: bigint, reason: CloseReason, takerFeeBps: bigint): Settlement {
  const notional = notionalOf(terms.margin, terms.leverage);
  const pnl = pnlAt(terms.side, notional, terms.entryPrice, exitPrice);
  // A liquidated user gets nothing back, whatever equity was left: the whole margin goes to the house, no fee.
  if (reason === 'liquidation') return { pnl, closeFee: 0n, payout: 0n, houseDelta: terms.margin };
  const closeFee = takerFee(notional, takerFeeBps);
  const remaining = terms.margin + pnl - closeFee;
  const payout = remaining > 0n ? remaining : 0n;
  return { pnl, closeFee, payout, houseDelta: terms.margin - payout - closeFee };
}

/** The price a position trades at on a quote: a long sells at the bid, a short buys back at the ask. */
export function exitPriceOf(side: PerpSide, bid: bigint, ask: bigint): bigint {
  return side === 'long' ? bid : ask;
}

/** The price a pending order (or a market open) fills at: a long buys at the ask, a short sells at the bid. */
export function entryPriceOf(side: PerpSide, bid: bigint, ask: bigint): bigint {
  return side === 'long' ? ask : bid;
}

export interface Triggers {
  stopLoss?: bigint | null;
  takeProfit?: bigint | null;
}

/**
 * Why a stop-loss / take-profit does not fit the position now (a reason for a 4xx), or undefined.
 * Long: liquidation < stop < bid, take-profit > bid. Short: ask < stop < liquidation, 0 < take-profit < ask.
 */
export function triggerProblem(side: PerpSide, liquidation: bigint, triggers: Triggers, quote: { bid: bigint; ask: bigint }): string | undefined {
  const { stopLoss, takeProfit } = triggers;
  if (side === 'long') {
    const bid = quote.bid;
    if (stopLoss != null && !(stopLoss > liquidation && stopLoss < bid)) {
      return liquidation > 0n
        ? `stopLoss must lie strictly between the liquidation price ${liquidation} and the bid ${bid} (price units)`
        : `stopLoss must be positive and strictly below the bid ${bid} (price units)`;
    }
    if (takeProfit != null && !(takeProfit > bid)) return `takeProfit must lie strictly above the bid ${bid} (price units)`;
    return undefined;
  }
  const ask = quote.ask;
  if (stopLoss != null && !(stopLoss > ask && stopLoss < liquidation)) {
    return `stopLoss must lie strictly between the ask ${ask} and the liquidation price ${liquidation} (price units)`;
  }
  if (takeProfit != null && !(takeProfit > 0n && takeProfit < ask)) return `takeProfit must be positive and strictly below the ask ${ask} (price units)`;
  return undefined;
}

/** A position as a tick sees it. */
export interface WatchedPosition extends Triggers {
  side: PerpSide;
  liquidationPrice: bigint;
}

export interface TriggerFill {
  reason: TriggerReason;
  /** The tick's price (bid for a long, ask for a short): fills never happen at the trigger price itself. */
  fillPrice: bigint;
  triggerPrice: bigint;
  /** `|fillPrice − triggerPrice|`; for a liquidation, the gap past the liquidation price. */
  slippage: bigint;
}

const gap = (a: bigint, b: bigint) => (a > b ? a - b : b - a);

/** Whether one trigger leg fires at the position's tick price. */
export function legCrossed(side: PerpSide, reason: TriggerReason, triggerPrice: bigint, price: bigint): boolean {
  if (reason === 'liquidation') return side === 'long' ? triggerPrice > 0n && price <= triggerPrice : price >= triggerPrice;
  if (reason === 'stop_loss') return side === 'long' ? price <= triggerPrice : price >= triggerPrice;
  return side === 'long' ? price >= triggerPrice : price <= triggerPrice;
}

/** Precedence on one tick: liquidation, else stop-loss, else take-profit; null when nothing fires. */
export function resolveTick(position: WatchedPosition, bid: bigint, ask: bigint): TriggerFill | null {
  const price = exitPriceOf(position.side, bid, ask);
  const legs: [TriggerReason, bigint | null | undefined][] = [
    ['liquidation', position.liquidationPrice],
    ['stop_loss', position.stopLoss],
    ['take_profit', position.takeProfit],
  ];
  for (const [reason, triggerPrice] of legs) {
    if (triggerPrice != null && legCrossed(position.side, reason, triggerPrice, price)) {
      return { reason, fillPrice: price, triggerPrice, slippage: gap(price, triggerPrice) };
    }
  }
  return null;
}

export type PendingOrderType = 'limit' | 'stop';

export interface PendingOrderTrigger {
  side: PerpSide;
  type: PendingOrderType;
  /** Price units. */
  price: bigint;
}

/** Whether a pending order opens on this quote: long limit ask <= p, long stop ask >= p, short limit bid >= p, short stop bid <= p. */
export function pendingOrderCrossed(order: PendingOrderTrigger, bid: bigint, ask: bigint): boolean {
  if (order.side === 'long') return order.type === 'limit' ? ask <= order.price : ask >= order.price;
  return order.type === 'limit' ? bid >= order.price : bid <= order.price;
}

/** The fill of a pending order on this quote (its side's price), or null when it does not open. */
export function pendingOrderFill(order: PendingOrderTrigger, bid: bigint, ask: bigint): { fillPrice: bigint; slippage: bigint } | null {
  if (!pendingOrderCrossed(order, bid, ask)) return null;
  const fillPrice = entryPriceOf(order.side, bid, ask);
  return { fillPrice, slippage: gap(fillPrice, order.price) };
}
