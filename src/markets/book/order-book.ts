import { PriceMovedBeyondSlippage, TradeTooSmall } from '../amm/amm-errors';
import { FillOrKillUnfilled, InvalidOrder, WouldCrossBook } from './book-errors';
import type {
  BookConfig,
  BookDelta,
  BookSide,
  BookSnapshot,
  CancelReason,
  CommandResult,
  Fill,
  LevelView,
  MarketOrder,
  MarketOrderResult,
  OrderId,
  OrderSnapshot,
  OrderStatus,
  OwnerId,
  PlaceOrder,
  SelfTradePrevention,
} from './book-types';
import { ExpiryQueue } from './expiry-queue';
import type { OutcomePool } from './outcome-pool';
import { BookSideLevels, PriceLevel, RestingOrder } from './price-levels';

const BPS_DENOMINATOR = 10_000n;
/** Largest order size in share units, the market maker's own bound (10^24 shares). */
export const MAX_ORDER_UNITS = 10n ** 30n;
/** Attempts at shrinking a pool step by one lot when the pool's rounding would break the taker's limit. */
const POOL_LIMIT_RETRIES = 3;
const EMPTY: readonly never[] = Object.freeze([]);

/** The order taking liquidity in one command (a new order, or an amended one out of its queue) and how much of it filled. */
interface Taker {
  readonly id: OrderId;
  readonly owner: OwnerId;
  readonly isBuy: boolean;
  readonly limit: number;
  readonly stp: SelfTradePrevention;
  readonly now: number;
  remaining: bigint;
  filled: bigint;
  /** Set by self-trade prevention with cancel_taker: the rest of the order is cancelled. */
  stoppedBySelfTrade: boolean;
}

/** One step of a planned market order, applied in order once the whole plan passed its checks. */
type MarketStep =
  | { readonly kind: 'remove'; readonly maker: RestingOrder; readonly status: 'cancelled' | 'expired'; readonly reason: CancelReason }
  | { readonly kind: 'maker'; readonly maker: RestingOrder; readonly shares: bigint; readonly amount: bigint; readonly fee: bigint }
  /** `price`: the tick the step was capped at, or the far end (maxTick for a buy, 1 for a sell) when it was not. */
  | { readonly kind: 'pool'; readonly price: number; readonly shares: bigint; readonly amount: bigint; readonly fee: bigint };

/**
 * A central limit order book for one outcome of a market, matched with the market's pool (optional).
 *
 * Price-time priority. A taker buy fills, step by step, from whichever is cheaper: resting sells priced at or
 * below the pool's marginal price, then the pool until its price reaches the next resting sell (or the limit),
 * and so on, never beyond its limit; sells mirror this. The pool never trades with resting orders itself.
 * At equal prices the book goes first: the maker rests at that price, while the pool's average over a step is
 * below its end price only because the price moves as it fills.
 *
 * Every command either throws a domain error having changed nothing, or returns its fills, the resting orders
 * it removed and one delta per price level it changed, each with the next sequence number.
 */
export class OrderBook {
  readonly ticksPerUnit: number;
  readonly maxTick: number;
  readonly lotSize: bigint;
  readonly takerFeeBps: bigint;
  readonly makerFeeBps: bigint;

  private readonly bids: BookSideLevels;
  private readonly asks: BookSideLevels;
  private readonly orders = new Map<OrderId, RestingOrder>();
  private readonly expiries = new ExpiryQueue();
  private readonly tickUnits: bigint[];
  private readonly ticksPerUnitBig: bigint;
  private sequenceNumber = 0;
  private tradeCount = 0;
  private commandCount = 0;

  // Per-command scratch, reset by begin(): arrays are allocated on first use only.
  private fills: Fill[] | null = null;
  private removedOrders: OrderSnapshot[] | null = null;
  private touched: PriceLevel[] | null = null;
  private poolShares = 0n;
  private poolCash = 0n;

  constructor(
    config: BookConfig,
    private readonly pool?: OutcomePool,
  ) {
    const { ticksPerUnit } = config;
    if (!Number.isSafeInteger(ticksPerUnit) || ticksPerUnit < 2 || ticksPerUnit > 1_000_000) {
      throw new InvalidOrder(`ticksPerUnit must be an integer from 2 to 1000000, got ${ticksPerUnit}`);
    }
    this.ticksPerUnit = ticksPerUnit;
    this.ticksPerUnitBig = BigInt(ticksPerUnit);
    this.maxTick = ticksPerUnit - 1;
    this.lotSize = config.lotSize ?? this.ticksPerUnitBig;
    if (this.lotSize <= 0n || this.lotSize % this.ticksPerUnitBig !== 0n) {
      throw new InvalidOrder(`lotSize must be a positive multiple of ticksPerUnit (${ticksPerUnit}) so every fill is whole cash units`);
    }
    this.takerFeeBps = feeBps(config.takerFeeBps, 'takerFeeBps');
    this.makerFeeBps = feeBps(config.makerFeeBps ?? 0, 'makerFeeBps');
    this.bids = new BookSideLevels('buy', this.maxTick);
    this.asks = new BookSideLevels('sell', this.maxTick);
    this.tickUnits = Array.from({ length: ticksPerUnit + 1 }, (_, tick) => BigInt(tick));
  }

  get sequence(): number {
    return this.sequenceNumber;
  }

  get size(): number {
    return this.orders.size;
  }

  /** Best bid and ask in ticks, undefined when that side is empty. */
  bestBid(): number | undefined {
    return this.bids.isEmpty() ? undefined : this.bids.best;
  }

  bestAsk(): number | undefined {
    return this.asks.isEmpty() ? undefined : this.asks.best;
  }

  /** A resting order, or undefined once it left the book. */
  order(id: OrderId): OrderSnapshot | undefined {
    const order = this.orders.get(id);
    return order ? this.snapshotOf(order, 'open') : undefined;
  }

  /** Resting orders in the order they were placed (for audits, rebuild checks and tests). */
  *restingOrders(): Generator<OrderSnapshot> {
    for (const order of this.orders.values()) yield this.snapshotOf(order, 'open');
  }

  /** Aggregated levels, best first, at most `depth` per side; `sequence` is that of the last delta applied. */
  snapshot(depth = Number.MAX_SAFE_INTEGER): BookSnapshot {
    const levels = (side: BookSideLevels): LevelView[] => {
      const views: LevelView[] = [];
      for (const level of side.walk()) {
        if (views.length >= depth) break;
        views.push({ price: level.price, shares: level.shares, orders: level.orders });
      }
      return views;
    };
    return { bids: levels(this.bids), asks: levels(this.asks), sequence: this.sequenceNumber };
  }

  /** The resting totals of one price level now (0 and 0 when it holds nothing): what a delta for it reports. */
  levelTotals(side: 'buy' | 'sell', price: number): LevelView {
    const level = (side === 'buy' ? this.bids : this.asks).occupiedLevel(price);
    return { price, shares: level?.shares ?? 0n, orders: level?.orders ?? 0 };
  }

  /** Places an order: validates it, matches what crosses, rests the rest (GTC, GTD) or cancels it (IOC). */
  place(command: PlaceOrder): CommandResult {
    this.validate(command);
    if (this.orders.has(command.id)) throw new InvalidOrder(`Order ${String(command.id)} is already on the book`);
    const now = command.now ?? Number.NEGATIVE_INFINITY;
    const stp = command.stp ?? 'cancel_resting';
    const isBuy = command.side === 'buy';
    const postOnly = command.postOnly === true;
    if (postOnly && this.wouldTake(isBuy, command.price)) {
      throw new WouldCrossBook(`A post-only ${command.side} at tick ${command.price} would take liquidity`, { price: command.price });
    }
    const taker: Taker = {
      id: command.id,
      owner: command.owner,
      isBuy,
      limit: command.price,
      stp,
      now,
      remaining: command.shares,
      filled: 0n,
      stoppedBySelfTrade: false,
    };
    this.begin();
    if (command.timeInForce === 'FOK') {
      const fillable = this.match(taker, false);
      if (fillable < command.shares) {
        throw new FillOrKillUnfilled(`Only ${fillable} of ${command.shares} share units can fill now`, {
          fillable: fillable.toString(),
          shares: command.shares.toString(),
        });
      }
      taker.stoppedBySelfTrade = false;
    }
    if (!postOnly) this.match(taker, true);
    this.commitPool();

    let status: OrderStatus = taker.remaining === 0n ? 'filled' : 'open';
    let reason: CancelReason | undefined;
    let resting: RestingOrder | undefined;
    if (taker.remaining > 0n) {
      if (taker.stoppedBySelfTrade) {
        status = 'cancelled';
        reason = 'self_trade';
      } else if (command.timeInForce === 'IOC') {
        status = 'cancelled';
        reason = 'ioc';
      } else {
        const expiresAt = command.timeInForce === 'GTD' ? command.expiresAt! : Number.POSITIVE_INFINITY;
        resting = this.rest(taker, command.shares, command.timeInForce, postOnly, expiresAt);
      }
    }
    const order: OrderSnapshot = resting
      ? this.snapshotOf(resting, 'open')
      : {
          id: command.id,
          owner: command.owner,
          side: command.side,
          price: command.price,
          shares: command.shares,
          filledShares: taker.filled,
          remainingShares: status === 'filled' ? 0n : taker.remaining,
          status,
          timeInForce: command.timeInForce,
          postOnly,
          expiresAt: command.expiresAt,
          reason,
        };
    return this.finish(order);
  }

  /** Cancels a resting order. An unknown id (never placed, or already filled, cancelled or expired) changes nothing. */
  cancel(id: OrderId): CommandResult {
    this.begin();
    const order = this.orders.get(id);
    if (!order) return this.finish(undefined);
    return this.finish(this.removeResting(order, 'cancelled', 'user'));
  }

  /**
   * Moves a resting order to a new price: it leaves its queue, matches like a new GTC order with its remaining
   * shares and its own STP and post-only rules, and rests at the back of the new level (even at the same price).
   * Unknown id: no change. An order already expired at `now` is expired instead.
   */
  amend(id: OrderId, price: number, now?: number): CommandResult {
    const order = this.orders.get(id);
    if (!order) {
      this.begin();
      return this.finish(undefined);
    }
    this.assertPrice(price);
    if (now !== undefined && order.expiresAt <= now) {
      this.begin();
      return this.finish(this.removeResting(order, 'expired', 'expired'));
    }
    if (order.postOnly && this.wouldTake(order.isBuy, price)) {
      throw new WouldCrossBook(`A post-only order moved to tick ${price} would take liquidity`, { price });
    }
    this.begin();
    const level = order.level;
    level.unlink(order);
    this.touch(level);
    if (level.orders === 0) this.sideOf(order.isBuy).markEmpty(level.price);
    const taker: Taker = {
      id,
      owner: order.owner,
      isBuy: order.isBuy,
      limit: price,
      stp: order.stp,
      now: now ?? Number.NEGATIVE_INFINITY,
      remaining: order.remaining,
      filled: order.filled,
      stoppedBySelfTrade: false,
    };
    const before = order.remaining;
    this.match(taker, true);
    this.commitPool();
    order.filled += before - taker.remaining;
    order.remaining = taker.remaining;
    order.price = price;
    if (order.remaining === 0n || taker.stoppedBySelfTrade) {
      this.forgetResting(order);
      const status: OrderStatus = order.remaining === 0n ? 'filled' : 'cancelled';
      return this.finish(this.snapshotOf(order, status, status === 'cancelled' ? 'self_trade' : undefined));
    }
    const target = this.sideOf(order.isBuy).levelAt(price);
    order.level = target;
    target.append(order);
    this.touch(target);
    if (target.orders === 1) this.sideOf(order.isBuy).markOccupied(price);
    return this.finish(this.snapshotOf(order, 'open'));
  }

  /** Expires every GTD order with expiresAt at or before `now`. */
  expire(now: number): CommandResult {
    this.begin();
    for (const order of this.expiries.takeDue(now)) this.removed(this.removeResting(order, 'expired', 'expired', true));
    return this.finish(undefined);
  }

  /** Cancels every resting order of one owner (`DELETE .../orders`), or of everyone (the market closed). */
  cancelAll(owner?: OwnerId): CommandResult {
    this.begin();
    const reason: CancelReason = owner === undefined ? 'closed' : 'user';
    for (const order of [...this.orders.values()]) {
      if (owner === undefined || order.owner === owner) this.removed(this.removeResting(order, 'cancelled', reason));
    }
    return this.finish(undefined);
  }

  /**
   * A market order: a buy spending `amount` (fee included) or a sell of `shares`, cheapest first across the book
   * and the pool with no limit price: a buy takes the pool up to the best resting sell, that sell (whole lots at
   * the maker's price), the pool up to the next one, and so on; a sell mirrors it into resting buys. It never rests.
   *
   * With no resting order met the result is exactly the AMM's: a buy pays fee = floor(amount * takerFeeBps / 10^4)
   * and buys `sharesForCost(amount - fee)` (the pool keeps the rounding rest); a sell of n gets `proceedsOfSale(n)`
   * less its fee. A pool step that stops at a resting order pays its own cost plus the fee on it; the last pool
   * step of a buy spends what is left of the budget the same way as the AMM. A budget too small for another lot of
   * the next resting sell goes to the pool (if it buys nothing there, it is not spent). A sell's remainder below
   * one lot goes to the pool. Maker fills pay makerFeeBps, taker fills takerFeeBps of their amount, rounded down.
   *
   * Planned in full before anything changes: TradeTooSmall (nothing would fill), PriceMovedBeyondSlippage
   * (`minShares`, `minProceeds`) and the pool's own refusals leave the book and the pool as they were.
   */
  marketOrder(command: MarketOrder): MarketOrderResult {
    const isBuy = command.side === 'buy';
    if (command.side !== 'buy' && command.side !== 'sell') throw new InvalidOrder('side must be buy or sell');
    const size = isBuy ? command.amount : command.shares;
    if (typeof size !== 'bigint' || size <= 0n) throw new InvalidOrder(isBuy ? 'A market buy needs a positive amount' : 'A market sell needs positive shares');
    const stp = command.stp ?? 'cancel_resting';
    const now = command.now ?? Number.NEGATIVE_INFINITY;
    const steps = isBuy ? this.planMarketBuy(command.owner, size, stp, now) : this.planMarketSell(command.owner, size, stp, now);

    let shares = 0n;
    let cash = 0n;
    let fee = 0n;
    let metBook = false;
    for (const step of steps) {
      if (step.kind !== 'pool') metBook = true;
      if (step.kind === 'remove') continue;
      shares += step.shares;
      fee += step.fee;
      cash += isBuy ? step.amount + step.fee : step.amount - step.fee;
    }
    if (shares === 0n) {
      throw new TradeTooSmall(isBuy ? `amount ${size} buys no shares from the book or the pool` : `selling ${size} share units would fill nothing`);
    }
    if (isBuy && command.minShares !== undefined && shares < command.minShares) {
      throw new PriceMovedBeyondSlippage(`The budget would buy ${shares} share units, fewer than minShares ${command.minShares}`, {
        minShares: command.minShares.toString(),
        shares: shares.toString(),
      });
    }
    if (!isBuy && command.minProceeds !== undefined && cash < command.minProceeds) {
      throw new PriceMovedBeyondSlippage(`Selling would pay ${cash}, less than minProceeds ${command.minProceeds}`, {
        minProceeds: command.minProceeds.toString(),
        proceeds: cash.toString(),
      });
    }

    const side: BookSide = command.side;
    if (command.execute === false) {
      // A quote: the taker's side of each fill, nothing changed, no trade ids or sequence numbers taken.
      const fills: Fill[] = [];
      let left = isBuy ? 0n : size;
      for (const step of steps) {
        if (step.kind === 'remove') continue;
        if (!isBuy) left -= step.shares;
        fills.push({
          tradeId: 0,
          orderId: command.id,
          owner: command.owner,
          side,
          liquidity: 'taker',
          counterparty: step.kind === 'pool' ? 'pool' : 'book',
          price: step.kind === 'pool' ? step.price : step.maker.price,
          shares: step.shares,
          amount: step.amount,
          fee: step.fee,
          remainingShares: left,
        });
      }
      return { order: undefined, fills, removed: EMPTY, deltas: EMPTY, sequence: this.sequenceNumber, shares, cash, fee, metBook };
    }

    this.begin();
    const taker: Taker = {
      id: command.id,
      owner: command.owner,
      isBuy,
      limit: isBuy ? this.maxTick : 1,
      stp,
      now,
      remaining: isBuy ? 0n : size,
      filled: 0n,
      stoppedBySelfTrade: false,
    };
    for (const step of steps) {
      if (step.kind === 'remove') {
        this.removed(this.removeResting(step.maker, step.status, step.reason));
      } else if (step.kind === 'maker') {
        if (!isBuy) taker.remaining -= step.shares;
        this.fillMaker(taker, step.maker, step.shares, taker.remaining);
      } else {
        if (!isBuy) taker.remaining -= step.shares;
        this.poolShares += isBuy ? step.shares : -step.shares;
        this.poolCash += isBuy ? step.amount : -step.amount;
        (this.fills ?? (this.fills = [])).push({
          tradeId: ++this.tradeCount,
          orderId: taker.id,
          owner: taker.owner,
          side,
          liquidity: 'taker',
          counterparty: 'pool',
          price: step.price,
          shares: step.shares,
          amount: step.amount,
          fee: step.fee,
          remainingShares: taker.remaining,
        });
      }
    }
    this.commitPool();
    return { ...this.finish(undefined), shares, cash, fee, metBook };
  }

  /**
   * A maker the market order reached that cannot trade with it: expired (removed), the taker's own (removed, or
   * 'stop' on cancel_taker); null when it can trade.
   */
  private unusableMaker(maker: RestingOrder, owner: OwnerId, stp: SelfTradePrevention, now: number, steps: MarketStep[]): 'skip' | 'stop' | null {
    if (maker.expiresAt <= now) {
      steps.push({ kind: 'remove', maker, status: 'expired', reason: 'expired' });
      return 'skip';
    }
    if (maker.owner !== owner) return null;
    if (stp === 'cancel_taker') return 'stop';
    steps.push({ kind: 'remove', maker, status: 'cancelled', reason: 'self_trade' });
    return 'skip';
  }

  private planMarketBuy(owner: OwnerId, budget: bigint, stp: SelfTradePrevention, now: number): MarketStep[] {
    const steps: MarketStep[] = [];
    const pool = this.pool;
    const asks = this.asks;
    let left = budget;
    let delta = 0n;
    let poolAskedUpTo = 0;
    let next: RestingOrder | null = asks.isEmpty() ? null : asks.occupiedLevel(asks.best)!.head;
    /** The last pool step: what is left of the budget, its fee taken first, buys what it can with no cap. */
    const spendRest = (): void => {
      const fee = this.takerFee(left);
      const spend = left - fee;
      const shares = pool && spend > 0n ? pool.sharesForCost(spend, delta) : 0n;
      if (shares > 0n) {
        steps.push({ kind: 'pool', price: this.maxTick, shares, amount: spend, fee });
        left = 0n;
      }
    };
    while (left > 0n) {
      const maker = next;
      if (maker === null) {
        spendRest();
        break;
      }
      // The pool first, up to the next resting sell (whoever's it is: it is only met if the pool gets there).
      if (pool && maker.price > poolAskedUpTo) {
        poolAskedUpTo = maker.price;
        const shares = pool.sharesToBuyUntil(maker.price, delta);
        if (shares > 0n) {
          const cost = pool.costToBuy(shares, delta);
          const fee = this.takerFee(cost);
          if (cost + fee > left) {
            // The budget runs out before the pool reaches this resting sell (then the AMM's own buy stays below it).
            spendRest();
            break;
          }
          steps.push({ kind: 'pool', price: maker.price, shares, amount: cost, fee });
          left -= cost + fee;
          delta += shares;
          continue;
        }
      }
      const unusable = this.unusableMaker(maker, owner, stp, now, steps);
      if (unusable === 'stop') break;
      if (unusable === 'skip') {
        next = this.nextMaker(asks, maker);
        continue;
      }
      const shares = this.affordableLots(left, maker.price, maker.remaining);
      if (shares > 0n) {
        const amount = (shares * this.tickUnits[maker.price]) / this.ticksPerUnitBig;
        const fee = this.takerFee(amount);
        steps.push({ kind: 'maker', maker, shares, amount, fee });
        left -= amount + fee;
      }
      if (shares < maker.remaining) {
        // Not enough left for another lot of it: the rest to the pool, if it buys anything there.
        spendRest();
        break;
      }
      next = this.nextMaker(asks, maker);
    }
    return steps;
  }

  private planMarketSell(owner: OwnerId, size: bigint, stp: SelfTradePrevention, now: number): MarketStep[] {
    const steps: MarketStep[] = [];
    const pool = this.pool;
    const bids = this.bids;
    let left = size;
    let delta = 0n;
    let poolAskedDownTo = this.maxTick + 1;
    let next: RestingOrder | null = bids.isEmpty() ? null : bids.occupiedLevel(bids.best)!.head;
    const sellRest = (): void => {
      if (!pool) return;
      const amount = pool.proceedsOfSale(left, delta);
      steps.push({ kind: 'pool', price: 1, shares: left, amount, fee: this.takerFee(amount) });
      left = 0n;
    };
    while (left > 0n) {
      const maker = next;
      if (maker === null) {
        sellRest();
        break;
      }
      if (pool && maker.price < poolAskedDownTo) {
        poolAskedDownTo = maker.price;
        const available = pool.sharesToSellUntil(maker.price, delta);
        const shares = available < left ? available : left;
        if (shares > 0n) {
          const amount = pool.proceedsOfSale(shares, delta);
          steps.push({ kind: 'pool', price: maker.price, shares, amount, fee: this.takerFee(amount) });
          left -= shares;
          delta -= shares;
          continue;
        }
      }
      const unusable = this.unusableMaker(maker, owner, stp, now, steps);
      if (unusable === 'stop') break;
      if (unusable === 'skip') {
        next = this.nextMaker(bids, maker);
        continue;
      }
      const lots = left - (left % this.lotSize);
      const shares = maker.remaining < lots ? maker.remaining : lots;
      if (shares > 0n) {
        const amount = (shares * this.tickUnits[maker.price]) / this.ticksPerUnitBig;
        steps.push({ kind: 'maker', maker, shares, amount, fee: this.takerFee(amount) });
        left -= shares;
      }
      if (left < this.lotSize) {
        // Less than a lot left: the book cannot take it, the pool can.
        if (left > 0n) sellRest();
        break;
      }
      next = this.nextMaker(bids, maker);
    }
    return steps;
  }

  /** The most whole lots of a resting sell at `tick` (at most `available`) that `budget` pays for, taker fee included. */
  private affordableLots(budget: bigint, tick: number, available: bigint): bigint {
    const lotAmount = (this.lotSize * this.tickUnits[tick]) / this.ticksPerUnitBig;
    const maxLots = available / this.lotSize;
    let lots = (budget * BPS_DENOMINATOR) / (lotAmount * (BPS_DENOMINATOR + this.takerFeeBps));
    if (lots > maxLots) lots = maxLots;
    // The fee rounds down, so one more lot may still fit.
    while (lots < maxLots && (lots + 1n) * lotAmount + this.takerFee((lots + 1n) * lotAmount) <= budget) lots += 1n;
    return lots * this.lotSize;
  }

  private takerFee(amount: bigint): bigint {
    return this.takerFeeBps === 0n ? 0n : (amount * this.takerFeeBps) / BPS_DENOMINATOR;
  }

  /** Whether an order at `price` would take from the book or the pool right now (post-only check). */
  private wouldTake(isBuy: boolean, price: number): boolean {
    if (isBuy ? this.asks.best <= price : this.bids.best >= price) return true;
    if (!this.pool) return false;
    const available = isBuy ? this.pool.sharesToBuyUntil(price, 0n) : this.pool.sharesToSellUntil(price, 0n);
    return available >= this.lotSize;
  }

  /**
   * The matching loop. With `execute` false it only plans (FOK): it walks the same makers and asks the pool
   * the same questions, mutating nothing, and returns how many shares would fill. With `execute` true it fills,
   * removes self-trading and expired makers as it meets them, and accumulates the pool's net trade.
   */
  private match(taker: Taker, execute: boolean): bigint {
    const isBuy = taker.isBuy;
    const opposite = isBuy ? this.asks : this.bids;
    const limit = taker.limit;
    const pool = this.pool;
    let remaining = taker.remaining;
    let poolDelta = this.poolShares;
    // The pool is asked again only when the price it may fill up to (`cap`) moves past the last one asked.
    let poolAskedUpTo = isBuy ? 0 : this.maxTick + 1;
    let maker: RestingOrder | null = opposite.isEmpty() ? null : opposite.occupiedLevel(opposite.best)!.head;

    while (remaining > 0n) {
      const makerCrosses = maker !== null && (isBuy ? maker.price <= limit : maker.price >= limit);
      if (pool) {
        const cap = makerCrosses ? maker!.price : limit;
        if (isBuy ? cap > poolAskedUpTo : cap < poolAskedUpTo) {
          poolAskedUpTo = cap;
          const step = this.poolStep(isBuy, cap, remaining, poolDelta);
          if (step.shares > 0n) {
            remaining -= step.shares;
            poolDelta += isBuy ? step.shares : -step.shares;
            if (execute) {
              this.poolShares = poolDelta;
              this.poolCash += isBuy ? step.amount : -step.amount;
              this.recordPoolFill(taker, cap, step.shares, step.amount, remaining);
            }
            continue;
          }
        }
      }
      if (!makerCrosses) break;
      const current = maker!;
      maker = this.nextMaker(opposite, current);
      if (current.expiresAt <= taker.now) {
        if (execute) this.removed(this.removeResting(current, 'expired', 'expired'));
        continue;
      }
      if (current.owner === taker.owner) {
        if (taker.stp === 'cancel_taker') {
          taker.stoppedBySelfTrade = true;
          break;
        }
        if (execute) this.removed(this.removeResting(current, 'cancelled', 'self_trade'));
        continue;
      }
      const shares = current.remaining < remaining ? current.remaining : remaining;
      remaining -= shares;
      if (execute) this.fillMaker(taker, current, shares, remaining);
    }
    const filled = taker.remaining - remaining;
    if (execute) {
      taker.filled += filled;
      taker.remaining = remaining;
    }
    return filled;
  }

  /** Shares the pool fills up to `cap` (whole lots, at most `remaining`) and their cost or proceeds, the taker's limit kept. */
  private poolStep(isBuy: boolean, cap: number, remaining: bigint, delta: bigint): { shares: bigint; amount: bigint } {
    const pool = this.pool!;
    const available = isBuy ? pool.sharesToBuyUntil(cap, delta) : pool.sharesToSellUntil(cap, delta);
    let shares = available - (available % this.lotSize);
    if (shares > remaining) shares = remaining;
    for (let attempt = 0; shares > 0n && attempt <= POOL_LIMIT_RETRIES; attempt += 1) {
      const amount = isBuy ? pool.costToBuy(shares, delta) : pool.proceedsOfSale(shares, delta);
      // amount * ticksPerUnit against shares * cap: the average price of the step on the right side of cap.
      const bound = shares * this.tickUnits[cap];
      if (isBuy ? amount * this.ticksPerUnitBig <= bound : amount * this.ticksPerUnitBig >= bound) return { shares, amount };
      shares -= this.lotSize;
    }
    return { shares: 0n, amount: 0n };
  }

  private fillMaker(taker: Taker, maker: RestingOrder, shares: bigint, takerRemaining: bigint): void {
    const amount = (shares * this.tickUnits[maker.price]) / this.ticksPerUnitBig;
    const takerFee = this.takerFeeBps === 0n ? 0n : (amount * this.takerFeeBps) / BPS_DENOMINATOR;
    const makerFee = this.makerFeeBps === 0n ? 0n : (amount * this.makerFeeBps) / BPS_DENOMINATOR;
    const level = maker.level;
    maker.remaining -= shares;
    maker.filled += shares;
    level.shares -= shares;
    this.touch(level);
    if (maker.remaining === 0n) {
      level.unlink(maker);
      if (level.orders === 0) this.sideOf(maker.isBuy).markEmpty(level.price);
      this.forgetResting(maker);
    }
    const tradeId = ++this.tradeCount;
    const fills = this.fills ?? (this.fills = []);
    fills.push({
      tradeId,
      orderId: taker.id,
      owner: taker.owner,
      side: taker.isBuy ? 'buy' : 'sell',
      liquidity: 'taker',
      counterparty: 'book',
      price: maker.price,
      shares,
      amount,
      fee: takerFee,
      remainingShares: takerRemaining,
    });
    fills.push({
      tradeId,
      orderId: maker.id,
      owner: maker.owner,
      side: maker.isBuy ? 'buy' : 'sell',
      liquidity: 'maker',
      counterparty: 'book',
      price: maker.price,
      shares,
      amount,
      fee: makerFee,
      remainingShares: maker.remaining,
    });
  }

  private recordPoolFill(taker: Taker, cap: number, shares: bigint, amount: bigint, takerRemaining: bigint): void {
    const fills = this.fills ?? (this.fills = []);
    fills.push({
      tradeId: ++this.tradeCount,
      orderId: taker.id,
      owner: taker.owner,
      side: taker.isBuy ? 'buy' : 'sell',
      liquidity: 'taker',
      counterparty: 'pool',
      price: cap,
      shares,
      amount,
      fee: this.takerFeeBps === 0n ? 0n : (amount * this.takerFeeBps) / BPS_DENOMINATOR,
      remainingShares: takerRemaining,
    });
  }

  private nextMaker(side: BookSideLevels, order: RestingOrder): RestingOrder | null {
    if (order.next) return order.next;
    const tick = side.nextAfter(order.price);
    return tick === side.empty() ? null : side.occupiedLevel(tick)!.head;
  }

  private rest(taker: Taker, shares: bigint, timeInForce: PlaceOrder['timeInForce'], postOnly: boolean, expiresAt: number): RestingOrder {
    const side = this.sideOf(taker.isBuy);
    const level = side.levelAt(taker.limit);
    const order = new RestingOrder(taker.id, taker.owner, taker.isBuy, taker.limit, shares, taker.remaining, timeInForce, postOnly, expiresAt, taker.stp, level);
    order.filled = taker.filled;
    level.append(order);
    this.touch(level);
    if (level.orders === 1) side.markOccupied(taker.limit);
    this.orders.set(order.id, order);
    if (expiresAt !== Number.POSITIVE_INFINITY) this.expiries.push(order);
    return order;
  }

  /** Takes a resting order off the book without filling it. `dequeued`: the expiry queue already dropped it. */
  private removeResting(order: RestingOrder, status: OrderStatus, reason: CancelReason, dequeued = false): OrderSnapshot {
    const level = order.level;
    level.unlink(order);
    this.touch(level);
    if (level.orders === 0) this.sideOf(order.isBuy).markEmpty(level.price);
    this.forgetResting(order, dequeued);
    return this.snapshotOf(order, status, reason);
  }

  private forgetResting(order: RestingOrder, dequeued = false): void {
    order.live = false;
    this.orders.delete(order.id);
    if (order.expiresAt !== Number.POSITIVE_INFINITY && !dequeued) this.expiries.forget();
  }

  private commitPool(): void {
    if (this.pool && (this.poolShares !== 0n || this.poolCash !== 0n)) this.pool.commit(this.poolShares, this.poolCash);
    this.poolShares = 0n;
    this.poolCash = 0n;
  }

  private begin(): void {
    this.commandCount += 1;
    this.fills = null;
    this.removedOrders = null;
    this.touched = null;
    this.poolShares = 0n;
    this.poolCash = 0n;
  }

  private touch(level: PriceLevel): void {
    if (level.touchedBy === this.commandCount) return;
    level.touchedBy = this.commandCount;
    (this.touched ?? (this.touched = [])).push(level);
  }

  private removed(snapshot: OrderSnapshot): void {
    (this.removedOrders ?? (this.removedOrders = [])).push(snapshot);
  }

  private finish(order: OrderSnapshot | undefined): CommandResult {
    let deltas: BookDelta[] | readonly never[] = EMPTY;
    if (this.touched) {
      deltas = this.touched.map((level) => ({
        sequence: ++this.sequenceNumber,
        side: level.side,
        price: level.price,
        shares: level.shares,
        orders: level.orders,
      }));
    }
    return { order, fills: this.fills ?? EMPTY, removed: this.removedOrders ?? EMPTY, deltas, sequence: this.sequenceNumber };
  }

  private sideOf(isBuy: boolean): BookSideLevels {
    return isBuy ? this.bids : this.asks;
  }

  private snapshotOf(order: RestingOrder, status: OrderStatus, reason?: CancelReason): OrderSnapshot {
    return {
      id: order.id,
      owner: order.owner,
      side: order.isBuy ? 'buy' : 'sell',
      price: order.price,
      shares: order.shares,
      filledShares: order.filled,
      remainingShares: status === 'filled' ? 0n : order.remaining,
      status,
      timeInForce: order.timeInForce,
      postOnly: order.postOnly,
      expiresAt: order.expiresAt === Number.POSITIVE_INFINITY ? undefined : order.expiresAt,
      reason,
    };
  }

  private validate(command: PlaceOrder): void {
    this.assertPrice(command.price);
    const { shares, timeInForce } = command;
    if (typeof shares !== 'bigint' || shares <= 0n || shares > MAX_ORDER_UNITS) {
      throw new InvalidOrder(`shares must be positive and at most ${MAX_ORDER_UNITS} units`);
    }
    if (shares % this.lotSize !== 0n) throw new InvalidOrder(`shares must be a whole number of lots of ${this.lotSize} units`);
    if (command.side !== 'buy' && command.side !== 'sell') throw new InvalidOrder(`side must be buy or sell`);
    if (command.stp !== undefined && command.stp !== 'cancel_resting' && command.stp !== 'cancel_taker') {
      throw new InvalidOrder(`stp must be cancel_resting or cancel_taker`);
    }
    if (timeInForce === 'GTD') {
      const { expiresAt } = command;
      if (expiresAt === undefined || !Number.isFinite(expiresAt)) throw new InvalidOrder('A GTD order needs expiresAt');
      if (command.now !== undefined && expiresAt <= command.now) throw new InvalidOrder('expiresAt must be in the future');
    } else if (timeInForce === 'GTC' || timeInForce === 'IOC' || timeInForce === 'FOK') {
      if (command.expiresAt !== undefined) throw new InvalidOrder(`expiresAt is for GTD orders only, not ${timeInForce}`);
      if (command.postOnly && timeInForce !== 'GTC') throw new InvalidOrder(`postOnly cannot be combined with ${timeInForce}`);
    } else {
      throw new InvalidOrder(`timeInForce must be GTC, GTD, IOC or FOK`);
    }
  }

  private assertPrice(price: number): void {
    if (!Number.isInteger(price) || price < 1 || price > this.maxTick) {
      throw new InvalidOrder(`price must be a whole tick from 1 to ${this.maxTick}, got ${price}`, { price });
    }
  }
}

function feeBps(value: number, name: string): bigint {
  if (!Number.isInteger(value) || value < 0 || value > 10_000) throw new InvalidOrder(`${name} must be an integer from 0 to 10000, got ${value}`);
  return BigInt(value);
}
