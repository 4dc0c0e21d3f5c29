import { formatUnits } from '../amm';
import type { OrderSnapshot } from '../book';
import type { MarketOrderDto } from '../market-order.dto';
import { tickPrice } from '../order-effects';

export const UNIT_SCALE = 1_000_000n;

/** A `market_orders` row as node-postgres returns it. */
export interface OrderRow {
  id: string;
  market_id: string;
  user_id: string;
  outcome: number;
  side: 'buy' | 'sell';
  price_tick: number;
  ticks_per_unit: number;
  shares: string;
  filled_shares: string;
  status: MarketOrderDto['status'];
  time_in_force: MarketOrderDto['timeInForce'];
  post_only: boolean;
  stp: 'cancel_resting' | 'cancel_taker';
  expires_at: Date | null;
  locked_amount: string;
  created_at: Date;
}

export const ORDER_COLUMNS = `id, market_id, user_id, outcome, side, price_tick, ticks_per_unit, shares, filled_shares, status, time_in_force,
  post_only, stp, expires_at, locked_amount, created_at`;

export function remainingOf(row: Pick<OrderRow, 'shares' | 'filled_shares'>): bigint {
  return BigInt(row.shares) - BigInt(row.filled_shares);
}

export function snapshotOf(row: OrderRow): OrderSnapshot {
  return {
    id: row.id,
    owner: row.user_id,
    side: row.side,
    price: row.price_tick,
    shares: BigInt(row.shares),
    filledShares: BigInt(row.filled_shares),
    remainingShares: remainingOf(row),
    status: row.status,
    timeInForce: row.time_in_force,
    postOnly: row.post_only,
    expiresAt: row.expires_at?.getTime(),
  };
}

export function orderDto(row: OrderRow): MarketOrderDto {
  const shares = BigInt(row.shares);
  const filled = BigInt(row.filled_shares);
  return {
    id: row.id,
    marketId: row.market_id,
    outcome: row.outcome,
    side: row.side,
    price: tickPrice(row.price_tick, row.ticks_per_unit),
    shares: formatUnits(shares),
    filledShares: formatUnits(filled),
    remainingShares: formatUnits(row.status === 'open' ? shares - filled : 0n),
    status: row.status,
    timeInForce: row.time_in_force,
    postOnly: row.post_only,
    expiresAt: row.expires_at ? row.expires_at.toISOString() : null,
    createdAt: row.created_at.toISOString(),
  };
}
