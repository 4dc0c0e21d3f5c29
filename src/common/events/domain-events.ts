/**
 * Domain events: services emit them (through `EventEmitter2` from `@nestjs/event-emitter`)
 * only after their transaction commits; `realtime` turns them into room broadcasts and jobs
 * may react to them. Add an event here with its payload type; never emit Socket.IO directly.
 */
export const DomainEvent = {
  BalanceChanged: 'balance.changed',
  UserBanned: 'user.banned',
  SessionRevoked: 'session.revoked',
  MarketCreated: 'market.created',
  MarketTraded: 'market.traded',
  MarketClosed: 'market.closed',
  MarketResolved: 'market.resolved',
  MarketCancelled: 'market.cancelled',
  MarketUpdated: 'market.updated',
} as const;

export interface BalanceChangedEvent {
  userId: string;
  asset: string;
  /** Decimal strings, as the API shows them. */
  available: string;
  locked: string;
}

export interface UserBannedEvent {
  userId: string;
}

export interface SessionRevokedEvent {
  userId: string;
  sessionId: string;
}

/**
 * Realtime: a user's position, order or notification changed. `position`/`order` are the same
 * objects the REST API returns for them; `realtime` forwards them to `user:<userId>` as
 * `position:update`, `order:update` and `notification`.
 */
export const RealtimeDomainEvent = {
  PositionUpdated: 'position.updated',
  OrderUpdated: 'order.updated',
  NotificationCreated: 'notification.created',
} as const;

export interface PositionUpdatedEvent {
  userId: string;
  position: object;
}

export interface OrderUpdatedEvent {
  userId: string;
  order: object;
}

export interface NotificationCreatedEvent {
  userId: string;
  notification: object;
}

// ---- rounds (payloads are the REST shapes: RoundSummaryDto, CandleDto, ...); a player's positions and
// side bets go out as RealtimeDomainEvent.PositionUpdated ----

export const RoundEvent = {
  /** A round was created, started, ended, settled or voided: `{roundId, round}`. */
  State: 'round.state',
  /** A candle was generated: `{roundId, candle}`. */
  Candle: 'round.candle',
  /** A position opened or closed, or a side bet was placed (public, no user id): `{roundId, trade}`. */
  Trade: 'round.trade',
  /** The round ended (rug or maxTicks) or was voided, seed revealed: `{roundId, result}`. */
  Ended: 'round.ended',
} as const;

export interface RoundStateEvent {
  roundId: string;
  round: object;
}

export interface RoundCandleEvent {
  roundId: string;
  candle: object;
}

export interface RoundTradeEvent {
  roundId: string;
  trade: object;
}

export interface RoundEndedEvent {
  roundId: string;
  result: object;
}

/** A prediction market's public state after a change (realtime `market:update`, `market:created`, ...). */
export interface MarketStateEvent {
  marketId: string;
  status: 'OPEN' | 'CLOSED' | 'RESOLVED' | 'CANCELLED';
  /** 6-decimal strings per outcome index, summing to 1. */
  prices: string[];
  /** Decimal string, USDC. */
  volume: string;
  resolvedOutcome: number | null;
}

/** One committed prediction-market fill (realtime `market:trade` on `market:<id>`). */
export interface MarketTradedEvent extends MarketStateEvent {
  tradeId: string;
  userId: string;
  side: 'buy' | 'sell';
  outcome: number;
  /** Decimal strings. */
  shares: string;
  amount: string;
  fee: string;
  averagePrice: string;
  at: string;
}
