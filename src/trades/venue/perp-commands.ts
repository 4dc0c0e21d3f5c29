import type { PendingOrderType, PerpSide } from '../core/perp-math';

/** The venue's name in the engine (Redis keys, `engine_shards` rows); one shard per symbol. */
export const PERPS_VENUE = 'perps';

/**
 * Commands of the perps venue as the engine carries them (JSON: amounts in minor units and prices in price
 * units as decimal-integer strings). `fingerprint` is the sha256 of the request that made the command, echoed
 * in the stored outcome: a replayed outcome of another request (same Idempotency-Key, other body) is caught.
 */
export const PerpCommandType = {
  Open: 'open',
  Close: 'close',
  UpdateTriggers: 'update-triggers',
  PlaceOrder: 'place-order',
  CancelOrder: 'cancel-order',
  Tick: 'tick',
  Expire: 'expire',
} as const;

export interface OpenPayload {
  side: PerpSide;
  margin: string;
  leverage: number;
  quotedPrice?: string;
  slippageBps: number;
  stopLoss?: string;
  takeProfit?: string;
  fingerprint: string;
}

export interface ClosePayload {
  positionId: string;
  fingerprint: string;
}

/** Absent: unchanged; null: removed. */
export interface UpdateTriggersPayload {
  positionId: string;
  stopLoss?: string | null;
  takeProfit?: string | null;
  fingerprint: string;
}

export interface PlaceOrderPayload {
  side: PerpSide;
  type: PendingOrderType;
  price: string;
  margin: string;
  leverage: number;
  stopLoss?: string;
  takeProfit?: string;
  /** ms since epoch. */
  expiresAt?: number;
  fingerprint: string;
}

export interface CancelOrderPayload {
  orderId: string;
  fingerprint: string;
}

/** One quote of the feed, raised on the leader by its quote listener. */
export interface TickPayload {
  bid: string;
  ask: string;
  updateId: number;
  receivedAt: number;
}

/** Raised by the leader's expiry timer. */
export interface ExpirePayload {
  /** ms since epoch: orders whose expiresAt is at or before it expire. */
  now: number;
}

/** What a user command answers (the DTO plus the request's fingerprint). */
export interface Fingerprinted<Result> {
  fingerprint: string;
  value: Result;
}
