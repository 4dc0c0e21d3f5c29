/**
 * The shapes the pure order book takes and returns. Prices are integer ticks (price = tick / ticksPerUnit, so
 * with ticksPerUnit 100 tick 37 is 0.37); shares and cash are bigint minor units (6 decimals for USDC and
 * shares). Nothing here is a float.
 */

export type BookSide = 'buy' | 'sell';

/** GTC rests until cancelled; GTD until `expiresAt`; IOC fills what it can now and cancels the rest; FOK fills entirely now or not at all. */
export type TimeInForce = 'GTC' | 'GTD' | 'IOC' | 'FOK';

/** Self-trade prevention: which side of a would-be self-trade is cancelled. */
export type SelfTradePrevention = 'cancel_resting' | 'cancel_taker';

export type OrderId = string | number;
export type OwnerId = string | number;

export type OrderStatus = 'open' | 'filled' | 'cancelled' | 'expired';

/** Why an order left the book without filling entirely. */
export type CancelReason = 'user' | 'ioc' | 'self_trade' | 'expired' | 'closed';

export interface BookConfig {
  /** Ticks per unit of price: 100 for tickSize 0.01. Valid ticks are 1 .. ticksPerUnit - 1 (prices strictly between 0 and 1). */
  readonly ticksPerUnit: number;
  /**
   * Share units per lot: every order size and every fill is a whole number of lots, so `shares * tick / ticksPerUnit`
   * is always a whole number of cash minor units. Must be a multiple of ticksPerUnit; defaults to ticksPerUnit
   * (100 units = 0.0001 share for tickSize 0.01).
   */
  readonly lotSize?: bigint;
  /** Fee of taker fills in basis points of the fill's amount (the market's fee). */
  readonly takerFeeBps: number;
  /** Fee of maker fills in basis points (MAKER_FEE_BPS, 0 by default). */
  readonly makerFeeBps?: number;
}

export interface PlaceOrder {
  readonly id: OrderId;
  readonly owner: OwnerId;
  readonly side: BookSide;
  /** Limit price in ticks. */
  readonly price: number;
  /** Share units, a positive multiple of the lot size. */
  readonly shares: bigint;
  readonly timeInForce: TimeInForce;
  /** GTD only, epoch milliseconds; the order expires at this instant. */
  readonly expiresAt?: number;
  /** Refuse (WouldCrossBook) rather than take from the book or the pool. */
  readonly postOnly?: boolean;
  readonly stp?: SelfTradePrevention;
  /**
   * The command's time (epoch ms). Resting GTD orders whose expiresAt is at or before it are expired instead of
   * filled, and a GTD order that would already be expired is refused. Defaults to no expiry check.
   */
  readonly now?: number;
}

/** One side of one trade, in the shape the API answers per order. A book trade gives two (taker and maker), a pool trade one. */
export interface Fill {
  /** Same for both sides of a book trade; numbered per book. */
  readonly tradeId: number;
  readonly orderId: OrderId;
  readonly owner: OwnerId;
  readonly side: BookSide;
  readonly liquidity: 'maker' | 'taker';
  /** Who took the other side: a resting order or the market maker. */
  readonly counterparty: 'book' | 'pool';
  /** Book fills: the maker's price in ticks. Pool fills: the limit the pool was filled up to (the average is amount / shares). */
  readonly price: number;
  readonly shares: bigint;
  /** Cash for the shares before fee: a buyer pays amount + fee, a seller receives amount - fee. */
  readonly amount: bigint;
  readonly fee: bigint;
  /** The order's remaining shares after this fill (0: filled). */
  readonly remainingShares: bigint;
}

/** A price level after a command changed it: total resting shares and order count (both 0: the level is gone). */
export interface BookDelta {
  readonly sequence: number;
  readonly side: BookSide;
  readonly price: number;
  readonly shares: bigint;
  readonly orders: number;
}

export interface OrderSnapshot {
  readonly id: OrderId;
  readonly owner: OwnerId;
  readonly side: BookSide;
  readonly price: number;
  readonly shares: bigint;
  readonly filledShares: bigint;
  readonly remainingShares: bigint;
  readonly status: OrderStatus;
  readonly timeInForce: TimeInForce;
  readonly postOnly: boolean;
  readonly expiresAt?: number;
  /** Set when status is cancelled or expired. */
  readonly reason?: CancelReason;
}

/** What one command did. `order` is the order the command was about (undefined: unknown id). */
export interface CommandResult {
  readonly order: OrderSnapshot | undefined;
  readonly fills: readonly Fill[];
  /** Resting orders this command removed without filling them: self-trade prevention, expiry, cancel-all. */
  readonly removed: readonly OrderSnapshot[];
  readonly deltas: readonly BookDelta[];
  /** The book's sequence after the command (that of its last delta, or unchanged). */
  readonly sequence: number;
}

export interface LevelView {
  readonly price: number;
  readonly shares: bigint;
  readonly orders: number;
}

export interface BookSnapshot {
  /** Best (highest) first. */
  readonly bids: LevelView[];
  /** Best (lowest) first. */
  readonly asks: LevelView[];
  readonly sequence: number;
}

/**
 * A market order (the AMM's `/buy` and `/sell`): a buy spends a cash budget, a sell sells a number of shares,
 * taking the best of the book and the pool at each step with no limit price. Never rests.
 */
export interface MarketOrder {
  /** Names the taker's fills (no order rests under it). */
  readonly id: OrderId;
  readonly owner: OwnerId;
  readonly side: BookSide;
  /** Buy: cash minor units to spend, fee included (the most the taker pays). */
  readonly amount?: bigint;
  /** Sell: share units to sell (any units; book fills take whole lots, a remainder goes to the pool). */
  readonly shares?: bigint;
  /** Buy: refuse (PriceMovedBeyondSlippage, nothing moves) if fewer share units would be bought. */
  readonly minShares?: bigint;
  /** Sell: refuse (PriceMovedBeyondSlippage, nothing moves) if less cash would be received, net of fee. */
  readonly minProceeds?: bigint;
  readonly stp?: SelfTradePrevention;
  /** As in PlaceOrder: resting GTD orders expired at `now` are expired instead of filled. */
  readonly now?: number;
  /** False: plan only (a quote); the book and the pool do not change and no deltas are numbered. Default true. */
  readonly execute?: boolean;
}

/** What a market order did (or, planned only, would do). `order` is always undefined. */
export interface MarketOrderResult extends CommandResult {
  /** Share units bought or sold. */
  readonly shares: bigint;
  /** Buy: cash paid, fee included (at most the budget). Sell: cash received, net of fee. */
  readonly cash: bigint;
  /** The taker's fees, summed over its fills. */
  readonly fee: bigint;
  /** Whether it filled or removed (self-trade prevention, expiry) any resting order; false: a pool trade alone. */
  readonly metBook: boolean;
}
