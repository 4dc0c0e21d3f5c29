/**
 * What a venue module reports to statistics and leaderboards about its own rows (src/analytics combines them).
 * Amounts are USDC minor units; P&L is signed and net of fees.
 */

/** A player's closed trades of one venue, summed (USDC minor units; P&L signed). */
export interface VenueTradeSummary {
  trades: number;
  wins: number;
  volume: bigint;
  pnl: bigint;
  /** Best and worst single trade P&L; null without trades. */
  best: bigint | null;
  worst: bigint | null;
  openPositions: number;
}

/**
 * Where a page of settlements ends: the settlement time as PostgreSQL's own text (microseconds kept; a JavaScript
 * Date would drop them and the next page would start inside this one) and the id.
 */
export interface PageCursor {
  at: string;
  id: string;
}

/** The start of settlements at or after `since`, as a cursor. */
export function cursorAt(since: Date): PageCursor {
  return { at: since.toISOString(), id: '00000000-0000-0000-0000-000000000000' };
}

/** One player's result in one settlement (a round, a market, a position): what a leaderboard adds. */
export interface SettlementResult {
  /** `<venue>:<id>`, unique across venues: the leaderboard applies each settlement once. */
  settlementId: string;
  settledAt: Date;
  userId: string;
  pnl: bigint;
  volume: bigint;
}
