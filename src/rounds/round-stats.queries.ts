import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { toRoundParams } from './fairness/round-params';
import { RoundTickTimingEntity } from './round-tick-timing.entity';
import { RoundEntity } from './round.entity';
import type { PageCursor, SettlementResult, VenueTradeSummary } from '../common/stats/venue-stats';

/** What a settled round was: the row statistics materialise. */
export interface SettledRoundFigures {
  roundId: string;
  number: number;
  status: 'SETTLED' | 'VOIDED';
  startedAt: Date;
  endedAt: Date | null;
  settledAt: Date;
  tickMs: number;
  endTick: number;
  rugTick: number | null;
  rugProbability: number;
  maxTicks: number;
  /** 1e-8 units. */
  peakPrice: bigint;
  players: number;
  positions: number;
  positionVolume: bigint;
  positionPayouts: bigint;
  fees: bigint;
  bestPositionPnl: bigint | null;
  worstPositionPnl: bigint | null;
  sideBets: number;
  sideBetsWon: number;
  sideBetVolume: bigint;
  sideBetPayouts: bigint;
  /** What the pot moved to the house (negative: the house paid): stakes and side bets in, payouts out. */
  houseResult: bigint;
  timing: RoundTickTimingEntity | null;
}

const big = (value: string | null): bigint | null => (value === null ? null : BigInt(value));

/**
 * Read-only queries over the rounds venue's own tables for statistics and leaderboards (src/analytics reads
 * rounds only through these). A position counts once closed (its payout against what was paid, fee included);
 * a side bet once resolved won or lost. Refunds of voided rounds are not trades.
 */
@Injectable()
export class RoundStatsQueries {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async playerSummary(userId: string, since: Date | null): Promise<VenueTradeSummary> {
    const [row] = (await this.dataSource.query(
      `WITH trades AS (
         SELECT p.amount AS volume, p.payout - p.amount AS pnl
           FROM round_positions p JOIN rounds r ON r.id = p.round_id
          WHERE p.user_id = $1 AND p.status = 'closed' AND ($2::timestamptz IS NULL OR p.closed_at >= $2)
            AND NOT (r.status = 'VOIDED' AND p.closed_at >= r.ended_at)
         UNION ALL
         SELECT b.amount, COALESCE(b.payout, 0) - b.amount
           FROM round_side_bets b
          WHERE b.user_id = $1 AND b.status IN ('won', 'lost') AND ($2::timestamptz IS NULL OR b.resolved_at >= $2)
       )
       SELECT count(*)::int AS trades, (count(*) FILTER (WHERE pnl > 0))::int AS wins,
              COALESCE(sum(volume), 0)::text AS volume, COALESCE(sum(pnl), 0)::text AS pnl,
              max(pnl)::text AS best, min(pnl)::text AS worst,
              ((SELECT count(*) FROM round_positions WHERE user_id = $1 AND status = 'open')
             + (SELECT count(*) FROM round_side_bets WHERE user_id = $1 AND status = 'active'))::int AS open
         FROM trades`,
      [userId, since],
    )) as { trades: number; wins: number; volume: string; pnl: string; best: string | null; worst: string | null; open: number }[];
    return { trades: row.trades, wins: row.wins, volume: BigInt(row.volume), pnl: BigInt(row.pnl), best: big(row.best), worst: big(row.worst), openPositions: row.open };
  }

  /** Settled (not voided) rounds in settlement order after the cursor: what a rebuild pages through. */
  async settledRoundsAfter(after: PageCursor | null, limit: number): Promise<PageCursor[]> {
    const rows = (await this.dataSource.query(
      `SELECT id, settled_at::text AS at FROM rounds
        WHERE settled_at IS NOT NULL AND status = 'SETTLED'
          AND ($1::timestamptz IS NULL OR (settled_at, id) > ($1::timestamptz, $2::uuid))
        ORDER BY settled_at, id LIMIT $3`,
      [after?.at ?? null, after?.id ?? null, limit],
    )) as PageCursor[];
    return rows.map((row) => ({ at: row.at, id: row.id }));
  }

  /** Each player's P&L and volume in settled rounds (positions and side bets together), attributed to the round's settlement. */
  async resultsOfRounds(roundIds: string[]): Promise<SettlementResult[]> {
    if (roundIds.length === 0) return [];
    const rows = (await this.dataSource.query(
      `WITH played AS (
         SELECT round_id, user_id, amount AS volume, payout - amount AS pnl FROM round_positions WHERE round_id = ANY($1::uuid[]) AND status = 'closed'
         UNION ALL
         SELECT round_id, user_id, amount, COALESCE(payout, 0) - amount FROM round_side_bets WHERE round_id = ANY($1::uuid[]) AND status IN ('won', 'lost')
       )
       SELECT p.round_id, r.settled_at, p.user_id, sum(p.pnl)::text AS pnl, sum(p.volume)::text AS volume
         FROM played p JOIN rounds r ON r.id = p.round_id
        WHERE r.status = 'SETTLED' AND r.settled_at IS NOT NULL
        GROUP BY p.round_id, r.settled_at, p.user_id
        ORDER BY p.round_id, p.user_id`,
      [roundIds],
    )) as { round_id: string; settled_at: Date; user_id: string; pnl: string; volume: string }[];
    return rows.map((row) => ({ settlementId: `round:${row.round_id}`, settledAt: row.settled_at, userId: row.user_id, pnl: BigInt(row.pnl), volume: BigInt(row.volume) }));
  }

  /** Rounds settled (or refunded) after the cursor, in that order: what the statistics job materialises. */
  async finishedRoundsAfter(after: PageCursor | null, limit: number): Promise<PageCursor[]> {
    const rows = (await this.dataSource.query(
      `SELECT id, settled_at::text AS at FROM rounds
        WHERE settled_at IS NOT NULL AND ($1::timestamptz IS NULL OR (settled_at, id) > ($1::timestamptz, $2::uuid))
        ORDER BY settled_at, id LIMIT $3`,
      [after?.at ?? null, after?.id ?? null, limit],
    )) as PageCursor[];
    return rows.map((row) => ({ at: row.at, id: row.id }));
  }

  /** The figures of a settled or refunded round; null while it is still being played or settled. */
  async settledRound(roundId: string): Promise<SettledRoundFigures | null> {
    const manager = this.dataSource.manager;
    const round = await manager.findOne(RoundEntity, { where: { id: roundId } });
    if (!round || !round.settledAt || (round.status !== 'SETTLED' && round.status !== 'VOIDED')) return null;
    const [positions] = (await manager.query(
      `SELECT count(*)::int AS positions, COALESCE(sum(amount), 0)::text AS volume, COALESCE(sum(payout), 0)::text AS payouts,
              COALESCE(sum(fee), 0)::text AS fees, COALESCE(sum(stake), 0)::text AS stakes,
              max(payout - amount)::text AS best, min(payout - amount)::text AS worst
         FROM round_positions WHERE round_id = $1`,
      [roundId],
    )) as { positions: number; volume: string; payouts: string; fees: string; stakes: string; best: string | null; worst: string | null }[];
    const [bets] = (await manager.query(
      `SELECT count(*)::int AS bets, (count(*) FILTER (WHERE status = 'won'))::int AS won,
              COALESCE(sum(amount), 0)::text AS volume, COALESCE(sum(payout), 0)::text AS payouts
         FROM round_side_bets WHERE round_id = $1`,
      [roundId],
    )) as { bets: number; won: number; volume: string; payouts: string }[];
    const [players] = (await manager.query(
      `SELECT count(DISTINCT user_id)::int AS players FROM (SELECT user_id FROM round_positions WHERE round_id = $1 UNION SELECT user_id FROM round_side_bets WHERE round_id = $1) AS u`,
      [roundId],
    )) as { players: number }[];
    const [peak] = (await manager.query(`SELECT max(high)::text AS peak FROM round_candles WHERE round_id = $1`, [roundId])) as { peak: string | null }[];
    const timing = await manager.findOne(RoundTickTimingEntity, { where: { roundId } });
    const params = toRoundParams(round.params);
    const voided = round.status === 'VOIDED';
    return {
      roundId: round.id,
      number: round.number,
      status: voided ? 'VOIDED' : 'SETTLED',
      startedAt: round.startsAt,
      endedAt: round.endedAt,
      settledAt: round.settledAt,
      tickMs: round.tickMs,
      endTick: round.tick,
      rugTick: round.rugTick,
      rugProbability: params.rugProbability,
      maxTicks: params.maxTicks,
      peakPrice: BigInt(peak.peak ?? round.price.toString()),
      players: players.players,
      positions: positions.positions,
      positionVolume: BigInt(positions.volume),
      positionPayouts: BigInt(positions.payouts),
      fees: voided ? 0n : BigInt(positions.fees),
      bestPositionPnl: big(positions.best),
      worstPositionPnl: big(positions.worst),
      sideBets: bets.bets,
      sideBetsWon: bets.won,
      sideBetVolume: BigInt(bets.volume),
      sideBetPayouts: BigInt(bets.payouts),
      houseResult: voided ? 0n : BigInt(positions.stakes) + BigInt(bets.volume) - BigInt(positions.payouts) - BigInt(bets.payouts),
      timing,
    };
  }

  /** The round's tick timing row (null until the round ended on a leader that recorded it), or undefined for no such round. */
  async timingOf(roundId: string): Promise<{ round: { id: string; number: number; tickMs: number }; timing: RoundTickTimingEntity | null } | undefined> {
    const manager = this.dataSource.manager;
    const round = await manager.findOne(RoundEntity, { where: { id: roundId }, select: { id: true, number: true, tickMs: true } });
    if (!round) return undefined;
    return { round, timing: await manager.findOne(RoundTickTimingEntity, { where: { roundId } }) };
  }
}
