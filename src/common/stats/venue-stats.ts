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

/** One player's result in one settlement (a round, a market, a position): what a leaderboard adds. */
export interface SettlementResult {
  /** `<venue>:<id>`, unique across venues: the leaderboard applies each settlement once. */
  settlementId: string;
  settledAt: Date;
  userId: string;
  pnl: bigint;
  volume: bigint;
}
