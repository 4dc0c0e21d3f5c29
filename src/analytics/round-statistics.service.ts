import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { formatUsdc } from '../common/money/usdc';
import type { PageCursor } from '../common/stats/venue-stats';
import { formatPrice } from '../rounds/fairness/price';
import { RoundStatsQueries } from '../rounds/round-stats.queries';
import { RoundNotFound } from '../rounds/round-errors';
import type { RoundTickTimingEntity } from '../rounds/round-tick-timing.entity';
import { RoundsService } from '../rounds/rounds.service';
import { StatsRangeInvalid, RoundStatsNotReady } from './analytics-errors';
import type { RoundSeriesDto, RoundStatisticsDto, RoundTimingDto, SurvivalDto, TimingSeriesDto } from './analytics.dto';
import { histogramPercentile, mergeHistograms } from './percentiles';
import { RoundStatsEntity } from './round-stats.entity';
import { sampleTicks, survivalCurve, theoreticalMedianEnd } from './survival';

/** Series and timing ranges: at most this many days per request. */
export const MAX_RANGE_DAYS = 31;
const PAGE = 200;

/**
 * Round statistics, materialised: one `analytics_round_stats` row per settled round, written when its settlement
 * commits (and by the backfill job for any the listener missed). Every read below aggregates those rows only.
 */
@Injectable()
export class RoundStatisticsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly rounds: RoundStatsQueries,
    private readonly roundsService: RoundsService,
  ) {}

  /** Writes (or rewrites: the figures of a settled round no longer change) the round's row; false when not settled. */
  async materialise(roundId: string): Promise<boolean> {
    const figures = await this.rounds.settledRound(roundId);
    if (!figures) return false;
    const { timing, ...rest } = figures;
    await this.dataSource.manager.upsert(
      RoundStatsEntity,
      {
        ...rest,
        timingTicks: timing?.ticks ?? null,
        timingMaxDeviationMs: timing?.maxDeviationMs ?? null,
        timingHistogram: timing?.deviationHistogram ?? null,
      },
      ['roundId'],
    );
    return true;
  }

  /** Materialises every finished round that has no row yet; returns how many it wrote. */
  async backfill(): Promise<number> {
    let written = 0;
    let cursor: PageCursor | null = null;
    for (;;) {
      const page = await this.rounds.finishedRoundsAfter(cursor, PAGE);
      if (page.length === 0) return written;
      const have = new Set(
        (await this.dataSource.manager.find(RoundStatsEntity, { where: page.map((round) => ({ roundId: round.id })), select: { roundId: true } })).map((row) => row.roundId),
      );
      for (const round of page) if (!have.has(round.id) && (await this.materialise(round.id))) written += 1;
      cursor = page[page.length - 1];
    }
  }

  async ofRound(roundId: string): Promise<RoundStatisticsDto> {
    const row = await this.dataSource.manager.findOne(RoundStatsEntity, { where: { roundId } });
    if (!row) {
      await this.roundsService.assertExists(roundId);
      throw new RoundStatsNotReady(roundId);
    }
    return toRoundStatsDto(row);
  }

  async series(fromText: string, toText: string, interval: '1h' | '1d'): Promise<RoundSeriesDto> {
    const { from, to } = range(fromText, toText);
    const unit = interval === '1h' ? 'hour' : 'day';
    const rows = (await this.dataSource.query(
      `SELECT date_trunc('${unit}', settled_at, 'UTC') AS at, count(*)::int AS rounds, avg(end_tick)::float8 AS average_length,
              (count(*) FILTER (WHERE rug_tick IS NOT NULL))::int AS rugged, (count(*) FILTER (WHERE rug_tick IS NULL))::int AS survived,
              percentile_disc(0.25) WITHIN GROUP (ORDER BY rug_tick) AS p25,
              percentile_disc(0.5) WITHIN GROUP (ORDER BY rug_tick) AS median,
              percentile_disc(0.75) WITHIN GROUP (ORDER BY rug_tick) AS p75,
              sum(position_volume + side_bet_volume)::text AS volume, sum(position_payouts + side_bet_payouts)::text AS payouts,
              sum(house_result)::text AS house_result
         FROM analytics_round_stats
        WHERE status = 'SETTLED' AND settled_at >= $1 AND settled_at < $2
        GROUP BY 1 ORDER BY 1`,
      [from, to],
    )) as {
      at: Date;
      rounds: number;
      average_length: number | null;
      rugged: number;
      survived: number;
      p25: number | null;
      median: number | null;
      p75: number | null;
      volume: string;
      payouts: string;
      house_result: string;
    }[];
    return {
      interval,
      points: rows.map((row) => ({
        at: row.at.toISOString(),
        rounds: row.rounds,
        averageLength: row.average_length,
        rugs: { rugged: row.rugged, survived: row.survived, p25: row.p25, median: row.median, p75: row.p75 },
        volume: formatUsdc(BigInt(row.volume)),
        payouts: formatUsdc(BigInt(row.payouts)),
        houseResult: formatUsdc(BigInt(row.house_result)),
      })),
    };
  }

  /** The survival curve of settled rounds played with the latest round's rug parameters, next to the theory. */
  async survival(lastTick: number, step: number): Promise<SurvivalDto> {
    const [latest] = (await this.dataSource.query(
      `SELECT rug_probability, max_ticks FROM analytics_round_stats WHERE status = 'SETTLED' ORDER BY settled_at DESC LIMIT 1`,
    )) as { rug_probability: number; max_ticks: number }[];
    const params = latest ?? { rug_probability: 0, max_ticks: lastTick };
    const counts = (await this.dataSource.query(
      `SELECT end_tick, count(*)::int AS rounds FROM analytics_round_stats
        WHERE status = 'SETTLED' AND rug_probability = $1 AND max_ticks = $2 GROUP BY end_tick`,
      [params.rug_probability, params.max_ticks],
    )) as { end_tick: number; rounds: number }[];
    const ends = new Map(counts.map((row) => [row.end_tick, row.rounds]));
    const total = counts.reduce((sum, row) => sum + row.rounds, 0);
    const ticks = sampleTicks(Math.min(lastTick, params.max_ticks), Math.min(step, Math.max(1, lastTick)));
    // The empirical median: the first tick by which half the rounds had ended.
    let ended = 0;
    let empiricalMedian: number | null = null;
    for (const [tick, rounds] of [...ends.entries()].sort(([a], [b]) => a - b)) {
      ended += rounds;
      if (ended * 2 >= total) {
        empiricalMedian = tick;
        break;
      }
    }
    return {
      rugProbability: params.rug_probability,
      maxTicks: params.max_ticks,
      rounds: total,
      theoreticalMedian: theoreticalMedianEnd(params.rug_probability, params.max_ticks),
      empiricalMedian,
      points: survivalCurve(ends, params.rug_probability, params.max_ticks, ticks),
    };
  }

  async timing(roundId: string): Promise<RoundTimingDto> {
    const found = await this.rounds.timingOf(roundId);
    if (!found) throw new RoundNotFound(roundId);
    return toTimingDto(found.round.id, found.round.tickMs, found.timing);
  }

  /** p50 / p99 / max tick deviation per hour, from the rounds' histograms merged (exact at bucket resolution). */
  async timingByHour(fromText: string, toText: string): Promise<TimingSeriesDto> {
    const { from, to } = range(fromText, toText);
    const rows = (await this.dataSource.query(
      `SELECT date_trunc('hour', settled_at, 'UTC') AS hour, timing_ticks, timing_max_deviation_ms, timing_histogram
         FROM analytics_round_stats
        WHERE timing_histogram IS NOT NULL AND settled_at >= $1 AND settled_at < $2 ORDER BY settled_at`,
      [from, to],
    )) as { hour: Date; timing_ticks: number; timing_max_deviation_ms: number; timing_histogram: number[] }[];
    const hours = new Map<number, typeof rows>();
    for (const row of rows) hours.set(row.hour.getTime(), [...(hours.get(row.hour.getTime()) ?? []), row]);
    return {
      hours: [...hours.entries()].map(([hour, rounds]) => {
        const merged = mergeHistograms(rounds.map((round) => round.timing_histogram));
        const max = Math.max(...rounds.map((round) => round.timing_max_deviation_ms));
        return {
          hour: new Date(hour).toISOString(),
          rounds: rounds.length,
          ticks: rounds.reduce((sum, round) => sum + round.timing_ticks, 0),
          p50DeviationMs: histogramPercentile(merged, 0.5, max),
          p99DeviationMs: histogramPercentile(merged, 0.99, max),
          maxDeviationMs: rounds.length > 0 ? max : null,
        };
      }),
    };
  }
}

function range(fromText: string, toText: string): { from: Date; to: Date } {
  const from = new Date(fromText);
  const to = new Date(toText);
  const details = { from: fromText, to: toText, maxDays: MAX_RANGE_DAYS };
  if (!(to.getTime() > from.getTime())) throw new StatsRangeInvalid('to must be after from', details);
  if (to.getTime() - from.getTime() > MAX_RANGE_DAYS * 86_400_000) throw new StatsRangeInvalid(`at most ${MAX_RANGE_DAYS} days per request`, details);
  return { from, to };
}

function toRoundStatsDto(row: RoundStatsEntity): RoundStatisticsDto {
  const money = (value: bigint | null) => (value === null ? null : formatUsdc(value));
  const positionPnl = row.positionPayouts - row.positionVolume;
  return {
    roundId: row.roundId,
    number: row.number,
    status: row.status,
    settledAt: row.settledAt.toISOString(),
    length: row.endTick,
    rugTick: row.rugTick,
    peakPrice: formatPrice(row.peakPrice),
    uniquePlayers: row.players,
    positions: row.positions,
    volume: formatUsdc(row.positionVolume + row.sideBetVolume),
    payouts: formatUsdc(row.positionPayouts + row.sideBetPayouts),
    averagePnl: row.positions > 0 ? formatUsdc(floorDiv(positionPnl, BigInt(row.positions))) : null,
    bestPnl: money(row.bestPositionPnl),
    worstPnl: money(row.worstPositionPnl),
    sideBetsPlaced: row.sideBets,
    sideBetsWon: row.sideBetsWon,
    houseResult: formatUsdc(row.houseResult),
    fees: formatUsdc(row.fees),
  };
}

/** Floor division for signed bigints (BigInt `/` truncates toward zero). */
function floorDiv(a: bigint, b: bigint): bigint {
  const quotient = a / b;
  return (a % b !== 0n && (a < 0n) !== (b < 0n)) ? quotient - 1n : quotient;
}

export function toTimingDto(roundId: string, tickMs: number, timing: RoundTickTimingEntity | null): RoundTimingDto {
  if (!timing) {
    return {
      roundId,
      tickMs,
      recorded: false,
      ticks: 0,
      catchUpPasses: 0,
      meanIntervalMs: null,
      intervalStddevMs: null,
      minIntervalMs: null,
      maxIntervalMs: null,
      p50DeviationMs: null,
      p99DeviationMs: null,
      maxDeviationMs: null,
    };
  }
  return {
    roundId,
    tickMs,
    recorded: true,
    ticks: timing.ticks,
    catchUpPasses: timing.catchUpPasses,
    meanIntervalMs: timing.meanIntervalMs,
    intervalStddevMs: timing.intervalStddevMs,
    minIntervalMs: timing.minIntervalMs,
    maxIntervalMs: timing.maxIntervalMs,
    p50DeviationMs: histogramPercentile(timing.deviationHistogram, 0.5, timing.maxDeviationMs),
    p99DeviationMs: histogramPercentile(timing.deviationHistogram, 0.99, timing.maxDeviationMs),
    maxDeviationMs: timing.ticks > 0 ? timing.maxDeviationMs : null,
  };
}
