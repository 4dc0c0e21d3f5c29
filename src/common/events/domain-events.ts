/**
 * Domain events: services emit them (through `EventEmitter2` from `@nestjs/event-emitter`)
 * only after their transaction commits; `realtime` turns them into room broadcasts and jobs
 * may react to them. Add an event here with its payload type; never emit Socket.IO directly.
 */
export const DomainEvent = {
  BalanceChanged: 'balance.changed',
  UserBanned: 'user.banned',
  SessionRevoked: 'session.revoked',
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

// ---- rounds (payloads are the REST shapes: RoundSummaryDto, CandleDto, RoundPositionDto, ...) ----

export const RoundEvent = {
  /** A round was created, started, ended, settled or voided: `{roundId, round}`. */
  State: 'round.state',
  /** A candle was generated: `{roundId, candle}`. */
  Candle: 'round.candle',
  /** A position opened or closed, or a side bet was placed (public, no user id): `{roundId, trade}`. */
  Trade: 'round.trade',
  /** The round ended (rug or maxTicks) or was voided, seed revealed: `{roundId, result}`. */
  Ended: 'round.ended',
  /** One of a player's positions or side bets changed: `{userId, position}`. */
  PositionUpdated: 'round.position-updated',
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

export interface RoundPositionUpdatedEvent {
  userId: string;
  position: object;
}
