/** Which leaderboards a settlement counts in, and their Redis keys: pure, shared by the incremental path and the rebuild. */

export const LEADERBOARD_VENUES = ['all', 'rounds', 'markets', 'perps'] as const;
export type LeaderboardVenue = (typeof LEADERBOARD_VENUES)[number];
export type SettlementVenue = Exclude<LeaderboardVenue, 'all'>;
export const LEADERBOARD_METRICS = ['pnl', 'volume'] as const;
export type LeaderboardMetric = (typeof LEADERBOARD_METRICS)[number];
export const LEADERBOARD_PERIODS = ['day', 'week', 'all'] as const;
export type LeaderboardPeriod = (typeof LEADERBOARD_PERIODS)[number];

const DAY_MS = 86_400_000;

/** The UTC day (`2026-12-03`), the UTC week by its Monday (`w2026-11-30`), or `all`. */
export function periodBucket(period: LeaderboardPeriod, at: Date): string {
  const day = Math.floor(at.getTime() / DAY_MS);
  switch (period) {
    case 'day':
      return new Date(day * DAY_MS).toISOString().slice(0, 10);
    case 'week': {
      // 1970-01-01 was a Thursday: days since the Monday before it, modulo 7, is how far into its week a day is.
      const monday = day - ((day + 3) % 7);
      return `w${new Date(monday * DAY_MS).toISOString().slice(0, 10)}`;
    }
    case 'all':
      return 'all';
  }
}

/** How long a board outlives its period (day and week boards are not read after it). */
export function bucketTtlSeconds(period: LeaderboardPeriod): number | null {
  if (period === 'day') return 3 * 86_400;
  if (period === 'week') return 15 * 86_400;
  return null;
}

export function boardKey(prefix: string, venue: LeaderboardVenue, metric: LeaderboardMetric, bucket: string): string {
  return `${prefix}:lb:${venue}:${metric}:${bucket}`;
}

/** Settlements applied per UTC day: the guard that makes the incremental path apply each one once. */
export function appliedKey(prefix: string, at: Date): string {
  return `${prefix}:lb-applied:${periodBucket('day', at)}`;
}
export const APPLIED_TTL_SECONDS = 3 * 86_400;

/** The public names of leaderboard players, one hash field per user id (see LeaderboardNamesCache). */
export function namesKey(prefix: string): string {
  return `${prefix}:lb-names`;
}

export interface BoardIncrement {
  key: string;
  period: LeaderboardPeriod;
  userId: string;
  amount: bigint;
}

/** Every board increment one player's result in a settlement makes: venue and overall, each metric, each period. */
export function incrementsOf(prefix: string, venue: SettlementVenue, result: { userId: string; pnl: bigint; volume: bigint; settledAt: Date }): BoardIncrement[] {
  const increments: BoardIncrement[] = [];
  for (const board of [venue, 'all'] as const) {
    for (const period of LEADERBOARD_PERIODS) {
      const bucket = periodBucket(period, result.settledAt);
      increments.push({ key: boardKey(prefix, board, 'pnl', bucket), period, userId: result.userId, amount: result.pnl });
      increments.push({ key: boardKey(prefix, board, 'volume', bucket), period, userId: result.userId, amount: result.volume });
    }
  }
  return increments;
}

/** Increments summed per key and player: the state a set of settlements leaves, whatever their order. */
export function sumIncrements(increments: Iterable<BoardIncrement>): Map<string, Map<string, bigint>> {
  const boards = new Map<string, Map<string, bigint>>();
  for (const { key, userId, amount } of increments) {
    let board = boards.get(key);
    if (!board) boards.set(key, (board = new Map()));
    board.set(userId, (board.get(userId) ?? 0n) + amount);
  }
  return boards;
}
