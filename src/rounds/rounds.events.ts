import type { CandleDto, RoundPositionDto, RoundSideBetDto, RoundSummaryDto } from './rounds.dto';

/**
 * Rounds events; `rounds.realtime.ts` turns them into `round:*` broadcasts. Payloads are the REST
 * shapes. A player's positions and side bets go to them as `position.updated` (kinds below).
 */
export const RoundEvent = {
  /** A round was created, started, ended, settled or voided. */
  State: 'round.state',
  /** A candle was generated. */
  Candle: 'round.candle',
  /** A position opened or closed, or a side bet was placed (public, no user id). */
  Trade: 'round.trade',
  /** The round ended (rug or maxTicks) or was voided, seed revealed. */
  Ended: 'round.ended',
  /** What each player was paid when the round settled (or was refunded when voided). */
  Payouts: 'round.payouts',
  /** The settlement (or refund) of a round committed: every position is closed and every side bet resolved. */
  Settled: 'round.settled',
} as const;

export interface RoundStateEvent {
  roundId: string;
  round: RoundSummaryDto;
}

export interface RoundCandleEvent {
  roundId: string;
  candle: CandleDto;
}

/** What everyone watching a round sees of a trade: no player, no ids. */
export type RoundTrade =
  | { kind: 'position'; action: 'open' | 'close'; side: string; amount: string; tick: number | null; price: string | null }
  | { kind: 'side-bet'; action: 'place'; amount: string; startTick: number; endTick: number };

export interface RoundTradeEvent {
  roundId: string;
  trade: RoundTrade;
}

export interface RoundEndedEvent {
  roundId: string;
  result: RoundSummaryDto;
}

/** A settled round's payouts per player (decimal USDC, only players paid more than 0): for the notifications module. */
export interface RoundPayoutsEvent {
  roundId: string;
  roundNumber: number;
  voided: boolean;
  payouts: { userId: string; amount: string }[];
}

export interface RoundSettledEvent {
  roundId: string;
  status: 'SETTLED' | 'VOIDED';
  settledAt: string;
}

/** `position:update` of a round position, and of a side bet: the REST object with its kind. */
export type RoundPositionUpdate = { kind: 'position' } & RoundPositionDto;
export type RoundSideBetUpdate = { kind: 'side-bet' } & RoundSideBetDto;

declare module '../common/events/domain-event-map' {
  interface DomainEventMap {
    'round.state': RoundStateEvent;
    'round.candle': RoundCandleEvent;
    'round.trade': RoundTradeEvent;
    'round.ended': RoundEndedEvent;
    'round.payouts': RoundPayoutsEvent;
    'round.settled': RoundSettledEvent;
  }
}

declare module '../realtime/realtime.events' {
  interface UserPositionKinds {
    'round-position': RoundPositionUpdate;
    'round-side-bet': RoundSideBetUpdate;
  }
}
