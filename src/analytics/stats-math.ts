import type { VenueTradeSummary } from '../common/stats/venue-stats';

/** Pure statistics arithmetic: exact on minor units, no Nest or TypeORM. */

export const STATS_PERIODS = ['today', '7d', '30d', 'all'] as const;
export type StatsPeriod = (typeof STATS_PERIODS)[number];

const DAY_MS = 86_400_000;

/** Where a period starts: today is the current UTC day, 7d and 30d are rolling windows, all has no start. */
export function periodStart(period: StatsPeriod, now: Date): Date | null {
  switch (period) {
    case 'today':
      return new Date(Math.floor(now.getTime() / DAY_MS) * DAY_MS);
    case '7d':
      return new Date(now.getTime() - 7 * DAY_MS);
    case '30d':
      return new Date(now.getTime() - 30 * DAY_MS);
    case 'all':
      return null;
  }
}

export const EMPTY_SUMMARY: Readonly<VenueTradeSummary> = Object.freeze({ trades: 0, wins: 0, volume: 0n, pnl: 0n, best: null, worst: null, openPositions: 0 });

/** Several venues' (or periods') summaries as one: sums, and the best and worst single trade among them. */
export function combineSummaries(summaries: readonly VenueTradeSummary[]): VenueTradeSummary {
  return summaries.reduce<VenueTradeSummary>(
    (total, next) => ({
      trades: total.trades + next.trades,
      wins: total.wins + next.wins,
      volume: total.volume + next.volume,
      pnl: total.pnl + next.pnl,
      best: maxOf(total.best, next.best),
      worst: minOf(total.worst, next.worst),
      openPositions: total.openPositions + next.openPositions,
    }),
    { ...EMPTY_SUMMARY },
  );
}

function maxOf(a: bigint | null, b: bigint | null): bigint | null {
  if (a === null) return b;
  if (b === null) return a;
  return a > b ? a : b;
}

function minOf(a: bigint | null, b: bigint | null): bigint | null {
  if (a === null) return b;
  if (b === null) return a;
  return a < b ? a : b;
}

/**
 * Winning trades over trades as a decimal string with 4 places, rounded half up on the exact ratio
 * ("0.6667" for 2 of 3); null without trades, so "no trades" never reads as "never wins".
 */
export function winRate(wins: number, trades: number): string | null {
  if (!Number.isSafeInteger(wins) || !Number.isSafeInteger(trades) || wins < 0 || trades < 0 || wins > trades) {
    throw new RangeError(`win rate needs 0 <= wins <= trades, got ${wins} of ${trades}`);
  }
  if (trades === 0) return null;
  const scaled = (BigInt(wins) * 20_000n + BigInt(trades)) / (2n * BigInt(trades));
  const text = scaled.toString().padStart(5, '0');
  return `${text.slice(0, -4)}.${text.slice(-4)}`;
}

/** Volume over trades, floored to the minor unit; null without trades. */
export function averageTradeSize(volume: bigint, trades: number): bigint | null {
  if (trades === 0) return null;
  return volume / BigInt(trades);
}
