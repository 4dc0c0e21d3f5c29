import type { Movement } from '../accounts/ledger-vocabulary';
import { formatUnits } from './amm';
import type { BookSide, CancelReason, Fill, OrderSnapshot, OrderStatus } from './book';

/**
 * What one book command (place, cancel, cancel-all, expiry) does to money, positions and order rows, computed
 * from the book's output alone (pure: no Nest, no database). The service posts the movements as one ledger
 * posting, applies the legs to positions and writes the order updates, all in the command's transaction.
 *
 * Cash: a buy's hold sits in its owner's `locked`; each fill it pays comes out of it (amount + fee), and what is
 * left is released when the order leaves the book (or at once, for a taker that does not rest). A seller gets
 * amount − fee into `available`. Fees go to `fees`, less the creator's share (`creatorFee`, which the service
 * routes to the creator). The pool gets what takers paid it and pays what it bought.
 */

const UNIT_SCALE = 1_000_000n;
const BPS_DENOMINATOR = 10_000n;
const POOL = 'pool';
const FEES = 'fees';

/** A resting order as the rows hold it before the command. */
export interface RestingOrderState {
  readonly userId: string;
  readonly side: BookSide;
  readonly filledShares: bigint;
  readonly lockedAmount: bigint;
}

export interface OrderCommandInput {
  readonly fills: readonly Fill[];
  /** Resting orders that left the book without filling: cancelled by their owner, self-trade prevention, expiry, close. */
  readonly removed: readonly OrderSnapshot[];
  /** The order the command placed, with the hold its buy took before matching (0 for a sell). */
  readonly taker?: { readonly orderId: string; readonly userId: string; readonly hold: bigint; readonly rests: boolean };
  readonly orders: ReadonlyMap<string, RestingOrderState>;
  /** Creator share of fees in bps, except on the creator's own fills. */
  readonly creatorId: string | null;
  readonly creatorShareBps: number;
  readonly ticksPerUnit: number;
}

/** One trade of a user in this command, for their position: `cash` is paid (buy, fee included) or received (sell, net of fee). */
export interface PositionLeg {
  readonly side: BookSide;
  readonly shares: bigint;
  readonly cash: bigint;
}

export interface OrderUpdate {
  filledShares: bigint;
  status: OrderStatus;
  cancelReason: CancelReason | null;
  lockedAmount: bigint;
}

export interface FillRecord {
  readonly orderId: string;
  readonly userId: string;
  /** The book's trade number: the two sides of a book trade share it. */
  readonly tradeNumber: number;
  readonly side: BookSide;
  readonly liquidity: 'maker' | 'taker';
  readonly counterparty: 'book' | 'pool';
  /** 6-decimal string: the maker's price, or a pool step's average. */
  readonly price: string;
  readonly shares: bigint;
  readonly amount: bigint;
  readonly fee: bigint;
  /** The creator's part of `fee`. */
  readonly creatorFee: bigint;
}

export interface OrderCommandEffects {
  /** User, `pool` and `fees` movements, netted per account and bucket; the creator's share is `creatorFee`. */
  readonly movements: { account: { userId: string } | typeof POOL | typeof FEES; bucket: 'available' | 'locked'; amount: bigint }[];
  readonly poolCash: bigint;
  readonly platformFee: bigint;
  readonly creatorFee: bigint;
  /** Cash traded (each book trade's amount once; pool buys fee included, pool sells gross), for markets.volume. */
  readonly volume: bigint;
  readonly trades: number;
  readonly positions: Map<string, PositionLeg[]>;
  readonly orderUpdates: Map<string, OrderUpdate>;
  /** The taker's hold left after its fills: kept on its row if it rests, else released here. */
  readonly takerLocked: bigint;
  readonly fillRecords: FillRecord[];
}

export function orderCommandEffects(input: OrderCommandInput): OrderCommandEffects {
  const net = new Map<string, { account: { userId: string } | typeof POOL | typeof FEES; bucket: 'available' | 'locked'; amount: bigint }>();
  const move = (account: { userId: string } | typeof POOL | typeof FEES, bucket: 'available' | 'locked', amount: bigint): void => {
    if (amount === 0n) return;
    const key = `${typeof account === 'string' ? account : account.userId}/${bucket}`;
    const entry = net.get(key);
    if (entry) entry.amount += amount;
    else net.set(key, { account, bucket, amount });
  };
  const positions = new Map<string, PositionLeg[]>();
  const leg = (userId: string, value: PositionLeg): void => {
    const legs = positions.get(userId);
    if (legs) legs.push(value);
    else positions.set(userId, [value]);
  };
  const orderUpdates = new Map<string, OrderUpdate>();
  const updateOf = (orderId: string): OrderUpdate => {
    let update = orderUpdates.get(orderId);
    if (!update) {
      const row = input.orders.get(orderId);
      if (!row) throw new Error(`orderCommandEffects: order ${orderId} is not among the resting orders`);
      update = { filledShares: row.filledShares, status: 'open', cancelReason: null, lockedAmount: row.lockedAmount };
      orderUpdates.set(orderId, update);
    }
    return update;
  };
  const creatorShare = BigInt(input.creatorShareBps);
  let platformFee = 0n;
  let creatorFee = 0n;
  const chargeFee = (userId: string, fee: bigint): bigint => {
    const share = userId === input.creatorId ? 0n : (fee * creatorShare) / BPS_DENOMINATOR;
    creatorFee += share;
    platformFee += fee - share;
    move(FEES, 'available', fee - share);
    return share;
  };

  const taker = input.taker;
  let takerLocked = taker ? taker.hold : 0n;
  let poolCash = 0n;
  let volume = 0n;
  const tradeNumbers = new Set<number>();
  const fillRecords: FillRecord[] = [];

  for (const fill of input.fills) {
    const orderId = String(fill.orderId);
    const userId = String(fill.owner);
    const isTaker = fill.liquidity === 'taker';
    tradeNumbers.add(fill.tradeId);
    if (fill.side === 'buy') {
      const paid = fill.amount + fill.fee;
      move({ userId }, 'locked', -paid);
      if (isTaker) {
        if (!taker || taker.orderId !== orderId) throw new Error(`orderCommandEffects: taker fill of unknown order ${orderId}`);
        takerLocked -= paid;
        if (takerLocked < 0n) throw new Error(`orderCommandEffects: order ${orderId} paid more than its hold`);
      } else {
        const update = updateOf(orderId);
        update.lockedAmount -= paid;
        if (update.lockedAmount < 0n) throw new Error(`orderCommandEffects: order ${orderId} paid more than its hold`);
      }
      leg(userId, { side: 'buy', shares: fill.shares, cash: paid });
    } else {
      const received = fill.amount - fill.fee;
      move({ userId }, 'available', received);
      leg(userId, { side: 'sell', shares: fill.shares, cash: received });
    }
    const fillCreatorFee = chargeFee(userId, fill.fee);
    if (fill.counterparty === 'pool') {
      const cash = fill.side === 'buy' ? fill.amount : -fill.amount;
      poolCash += cash;
      move(POOL, 'available', cash);
      volume += fill.side === 'buy' ? fill.amount + fill.fee : fill.amount;
    } else if (isTaker) {
      volume += fill.amount;
    }
    if (!isTaker) {
      const update = updateOf(orderId);
      update.filledShares += fill.shares;
      if (fill.remainingShares === 0n) finish(update, 'filled', null, userId);
    }
    fillRecords.push({
      orderId,
      userId,
      tradeNumber: fill.tradeId,
      side: fill.side,
      liquidity: fill.liquidity,
      counterparty: fill.counterparty,
      price: fill.counterparty === 'book' ? tickPrice(fill.price, input.ticksPerUnit) : averagePrice(fill.amount, fill.shares),
      shares: fill.shares,
      amount: fill.amount,
      fee: fill.fee,
      creatorFee: fillCreatorFee,
    });
  }

  for (const order of input.removed) {
    const orderId = String(order.id);
    finish(updateOf(orderId), order.status, order.reason ?? null, String(order.owner));
  }

  if (taker && !taker.rests && takerLocked > 0n) {
    move({ userId: taker.userId }, 'locked', -takerLocked);
    move({ userId: taker.userId }, 'available', takerLocked);
    takerLocked = 0n;
  }

  function finish(update: OrderUpdate, status: OrderStatus, reason: CancelReason | null, userId: string): void {
    update.status = status;
    update.cancelReason = reason;
    if (update.lockedAmount > 0n) {
      move({ userId }, 'locked', -update.lockedAmount);
      move({ userId }, 'available', update.lockedAmount);
      update.lockedAmount = 0n;
    }
  }

  return {
    movements: [...net.values()].filter((movement) => movement.amount !== 0n),
    poolCash,
    platformFee,
    creatorFee,
    volume,
    trades: tradeNumbers.size,
    positions,
    orderUpdates,
    takerLocked,
    fillRecords,
  };
}

/** What a buy of `shares` at `priceTick` locks: the notional plus the most fee any of its fills could pay. */
export function buyHold(shares: bigint, priceTick: number, ticksPerUnit: number, maxFeeBps: number): bigint {
  const notional = (shares * BigInt(priceTick)) / BigInt(ticksPerUnit);
  return notional + (notional * BigInt(maxFeeBps)) / BPS_DENOMINATOR;
}

/** Ledger movements of the effects, with the pool and fees accounts named. */
export function ledgerMovements(effects: OrderCommandEffects, pool: { system: string }, fees: { system: string }): Movement[] {
  return effects.movements.map((movement) => ({
    account: movement.account === POOL ? pool : movement.account === FEES ? fees : movement.account,
    bucket: movement.bucket,
    amount: movement.amount,
  }));
}

export function tickPrice(tick: number, ticksPerUnit: number): string {
  return formatUnits((BigInt(tick) * UNIT_SCALE) / BigInt(ticksPerUnit));
}

function averagePrice(amount: bigint, shares: bigint): string {
  return formatUnits((amount * UNIT_SCALE) / shares);
}
