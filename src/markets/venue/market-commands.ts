import type { OutcomeRef } from '../market.dto';

/** The prediction markets venue of the engine: one shard per market (its id). */
export const MARKETS_VENUE = 'markets';

export const MarketCommandType = {
  PlaceOrder: 'place-order',
  CancelOrder: 'cancel-order',
  CancelAll: 'cancel-all',
  Buy: 'buy',
  Sell: 'sell',
  /** Expires the market's due GTD orders (the expiry job and the minute sweep). */
  Expire: 'expire',
} as const;

/** A user command's payload carries the fingerprint of the request that made it; its result echoes it (see MarketCommands). */
export interface Fingerprint {
  fingerprint: string;
}

export interface Fingerprinted<Value> {
  fingerprint: string;
  value: Value;
}

export interface PlaceOrderPayload extends Fingerprint {
  outcome: OutcomeRef;
  side: 'buy' | 'sell';
  /** As the request wrote it ("0.42"): checked against the market's own tick on the shard. */
  price: string;
  /** Share units (decimal string of a bigint). */
  shares: string;
  timeInForce: 'GTC' | 'GTD' | 'IOC' | 'FOK';
  /** Epoch ms, GTD only. */
  expiresAt: number | null;
  postOnly: boolean;
  stp: 'cancel_resting' | 'cancel_taker' | null;
}

export interface CancelOrderPayload extends Fingerprint {
  orderId: string;
}

export type CancelAllPayload = Fingerprint;

export interface BuyPayload extends Fingerprint {
  outcome: OutcomeRef;
  /** Cash units. */
  amount: string;
  minShares: string | null;
}

export interface SellPayload extends Fingerprint {
  outcome: OutcomeRef;
  shares: string;
  minProceeds: string | null;
}

export interface ExpirePayload {
  /** Epoch ms: orders with expiresAt at or before it expire. */
  now: number;
}
