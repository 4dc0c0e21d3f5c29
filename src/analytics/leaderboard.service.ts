import { Inject, Injectable, Logger } from '@nestjs/common';
import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { cursorAt, PageCursor, SettlementResult } from '../common/stats/venue-stats';
import { formatUsdc } from '../common/money/usdc';
import { AppConfig } from '../config/app-config';
import { MarketStatsQueries } from '../markets/market-stats.queries';
import { REDIS } from '../redis/redis.module';
import { RoundStatsQueries } from '../rounds/round-stats.queries';
import { PerpStatsQueries } from '../trades/perp-stats.queries';
import type { LeaderboardDto, LeaderboardEntryDto, LeaderboardQueryDto } from './analytics.dto';
import {
  APPLIED_TTL_SECONDS,
  appliedKey,
  BoardIncrement,
  boardKey,
  bucketTtlSeconds,
  incrementsOf,
  periodBucket,
  SettlementVenue,
  sumIncrements,
} from './leaderboard-keys';
import { ProfilesService } from './profiles.service';

/**
 * Applies one settlement once: KEYS[1] is the day's applied set, KEYS[2..] the boards; ARGV[1] the settlement id,
 * ARGV[2] the applied set's TTL, then (board index, member, increment) triples. Returns 0 when already applied.
 */
const APPLY_SETTLEMENT = `
if redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('EXPIRE', KEYS[1], ARGV[2])
for i = 3, #ARGV, 3 do
  redis.call('ZINCRBY', KEYS[tonumber(ARGV[i])], ARGV[i + 2], ARGV[i + 1])
end
return 1`;

const PAGE = 500;
/** Settlements this close to the rebuild's start are applied again through the guarded path once it swapped in. */
const REBUILD_OVERLAP_MS = 60_000;
const WRITE_CHUNK = 1000;

export interface BoardDump {
  [key: string]: [member: string, score: string][];
}

/**
 * Leaderboards in Redis sorted sets, one per (venue or overall, metric, period bucket). Each settlement (a round,
 * a market, a closed perp position) adds its players' P&L and volume once, guarded by a per-day applied set;
 * `rebuild()` recomputes every board from PostgreSQL and swaps it in atomically, then re-applies what settled
 * while it ran. Scores are USDC minor units held in doubles: exact below 2^53 minor units (9 billion USDC).
 */
@Injectable()
export class LeaderboardService {
  private readonly logger = new Logger('Leaderboards');
  private readonly prefix: string;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    config: AppConfig,
    private readonly rounds: RoundStatsQueries,
    private readonly markets: MarketStatsQueries,
    private readonly perps: PerpStatsQueries,
    private readonly profiles: ProfilesService,
  ) {
    this.prefix = config.redisKeyPrefix;
  }

  // ---- incremental ------------------------------------------------------------------------------

  async applyRound(roundId: string): Promise<number> {
    return this.apply('rounds', await this.rounds.resultsOfRounds([roundId]));
  }

  async applyMarket(marketId: string): Promise<number> {
    return this.apply('markets', await this.markets.resultsOfMarkets([marketId]));
  }

  async applyPerpPosition(positionId: string): Promise<number> {
    return this.apply('perps', await this.perps.resultsOfPositions([positionId]));
  }

  /** Applies each settlement among `results` once; returns how many were new. */
  async apply(venue: SettlementVenue, results: SettlementResult[]): Promise<number> {
    const bySettlement = new Map<string, SettlementResult[]>();
    for (const result of results) bySettlement.set(result.settlementId, [...(bySettlement.get(result.settlementId) ?? []), result]);
    let applied = 0;
    for (const [settlementId, players] of bySettlement) {
      const increments = players.flatMap((result) => incrementsOf(this.prefix, venue, result));
      const keys = [...new Set(increments.map((increment) => increment.key))];
      const index = new Map(keys.map((key, i) => [key, i + 2]));
      const args = increments.filter((inc) => inc.amount !== 0n).flatMap((inc) => [String(index.get(inc.key)), inc.userId, inc.amount.toString()]);
      const done = (await this.redis.eval(APPLY_SETTLEMENT, keys.length + 1, appliedKey(this.prefix, players[0].settledAt), ...keys, settlementId, String(APPLIED_TTL_SECONDS), ...args)) as number;
      if (done === 1) {
        applied += 1;
        await this.expireBoards(increments);
      }
    }
    return applied;
  }

  private async expireBoards(increments: BoardIncrement[]): Promise<void> {
    const pipeline = this.redis.pipeline();
    const seen = new Set<string>();
    for (const { key, period } of increments) {
      const ttl = bucketTtlSeconds(period);
      if (ttl === null || seen.has(key)) continue;
      seen.add(key);
      pipeline.expire(key, ttl);
    }
    if (seen.size > 0) await pipeline.exec();
  }

  // ---- rebuild ----------------------------------------------------------------------------------

  /** Every board recomputed from PostgreSQL and swapped in at once; returns the settlements counted. */
  async rebuild(): Promise<{ settlements: number; boards: number }> {
    const startedAt = Date.now();
    const increments: BoardIncrement[] = [];
    const recentlyApplied = new Map<string, Set<string>>();
    const appliedSince = startedAt - APPLIED_TTL_SECONDS * 1000;
    let settlements = 0;
    const collect = (venue: SettlementVenue, results: SettlementResult[]) => {
      const ids = new Set<string>();
      for (const result of results) {
        increments.push(...incrementsOf(this.prefix, venue, result));
        ids.add(result.settlementId);
        if (result.settledAt.getTime() >= appliedSince) {
          const key = appliedKey(this.prefix, result.settledAt);
          if (!recentlyApplied.has(key)) recentlyApplied.set(key, new Set());
          recentlyApplied.get(key)!.add(result.settlementId);
        }
      }
      settlements += ids.size;
    };
    await this.pageRounds(null, (results) => collect('rounds', results));
    await this.pageMarkets(null, (results) => collect('markets', results));
    await this.pagePerps(null, (results) => collect('perps', results));

    const boards = sumIncrements(increments);
    const periodOf = new Map(increments.map((increment) => [increment.key, increment.period]));
    const staging = `${this.prefix}:lb-rebuild:${randomUUID()}`;
    const stagedKey = (key: string) => `${staging}:${key}`;
    const writes = this.redis.pipeline();
    for (const [key, members] of boards) {
      const entries = [...members.entries()];
      for (let start = 0; start < entries.length; start += WRITE_CHUNK) {
        writes.zadd(stagedKey(key), ...entries.slice(start, start + WRITE_CHUNK).flatMap(([member, score]) => [score.toString(), member]));
      }
    }
    for (const [key, ids] of recentlyApplied) writes.sadd(stagedKey(key), ...ids);
    await writes.exec();

    const live = [...(await this.scan(`${this.prefix}:lb:*`)), ...(await this.scan(`${this.prefix}:lb-applied:*`))];
    const next = new Set([...boards.keys(), ...recentlyApplied.keys()]);
    const swap = this.redis.multi();
    for (const key of live) if (!next.has(key)) swap.del(key);
    for (const key of next) {
      swap.rename(stagedKey(key), key);
      const ttl = recentlyApplied.has(key) ? APPLIED_TTL_SECONDS : bucketTtlSeconds(periodOf.get(key) ?? 'all');
      if (ttl !== null) swap.expire(key, ttl);
    }
    await swap.exec();

    // What settled while the rebuild read PostgreSQL: applied now unless the rebuild already counted it.
    const since = new Date(startedAt - REBUILD_OVERLAP_MS);
    await this.pageRounds(since, (results) => this.apply('rounds', results));
    await this.pageMarkets(since, (results) => this.apply('markets', results));
    await this.pagePerps(since, (results) => this.apply('perps', results));
    this.logger.log(`leaderboards rebuilt: ${settlements} settlements, ${boards.size} boards in ${Date.now() - startedAt} ms`);
    return { settlements, boards: boards.size };
  }

  private async pageRounds(since: Date | null, each: (results: SettlementResult[]) => unknown): Promise<void> {
    let cursor: PageCursor | null = since ? cursorAt(since) : null;
    for (;;) {
      const page = await this.rounds.settledRoundsAfter(cursor, PAGE);
      if (page.length === 0) return;
      await each(await this.rounds.resultsOfRounds(page.map((round) => round.id)));
      cursor = page[page.length - 1];
    }
  }

  private async pageMarkets(since: Date | null, each: (results: SettlementResult[]) => unknown): Promise<void> {
    let cursor: PageCursor | null = since ? cursorAt(since) : null;
    for (;;) {
      const page = await this.markets.settledMarketsAfter(cursor, PAGE);
      if (page.length === 0) return;
      await each(await this.markets.resultsOfMarkets(page.map((market) => market.id)));
      cursor = page[page.length - 1];
    }
  }

  private async pagePerps(since: Date | null, each: (results: SettlementResult[]) => unknown): Promise<void> {
    let cursor: PageCursor | null = since ? cursorAt(since) : null;
    for (;;) {
      const page = await this.perps.closedAfter(cursor, PAGE);
      if (page.next === null) return;
      await each(page.results);
      cursor = page.next;
    }
  }

  private async scan(pattern: string): Promise<string[]> {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, found] = await this.redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      keys.push(...found);
      cursor = next;
    } while (cursor !== '0');
    return keys;
  }

  /** Every board and applied set with its contents, sorted: what a test compares before and after a rebuild. */
  async dump(): Promise<BoardDump> {
    const dump: BoardDump = {};
    for (const key of (await this.scan(`${this.prefix}:lb:*`)).sort()) {
      const flat = await this.redis.zrange(key, 0, -1, 'WITHSCORES');
      const pairs: [string, string][] = [];
      for (let i = 0; i < flat.length; i += 2) pairs.push([flat[i], flat[i + 1]]);
      dump[key] = pairs.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    }
    return dump;
  }

  // ---- reading ----------------------------------------------------------------------------------

  async read(query: LeaderboardQueryDto, callerId: string | undefined, now = new Date()): Promise<LeaderboardDto> {
    const bucket = periodBucket(query.period, now);
    const key = boardKey(this.prefix, query.venue, query.metric, bucket);
    const [flat, players, myRank, myScore] = await Promise.all([
      this.redis.zrevrange(key, 0, query.limit - 1, 'WITHSCORES'),
      this.redis.zcard(key),
      callerId ? this.redis.zrevrank(key, callerId) : Promise.resolve(null),
      callerId ? this.redis.zscore(key, callerId) : Promise.resolve(null),
    ]);
    const top: { userId: string; score: string }[] = [];
    for (let i = 0; i < flat.length; i += 2) top.push({ userId: flat[i], score: flat[i + 1] });
    const names = await this.profiles.publicNames([...new Set([...top.map((entry) => entry.userId), ...(callerId ? [callerId] : [])])]);
    const entry = (userId: string, rank: number, score: string): LeaderboardEntryDto => {
      const shown = userId === callerId || names.has(userId);
      return { rank, userId: shown ? userId : null, displayName: names.get(userId) ?? null, value: formatUsdc(BigInt(Math.round(Number(score)))) };
    };
    return {
      venue: query.venue,
      metric: query.metric,
      period: query.period,
      bucket,
      players,
      entries: top.map((item, index) => entry(item.userId, index + 1, item.score)),
      me: callerId && myRank !== null && myScore !== null ? entry(callerId, myRank + 1, myScore) : null,
    };
  }
}
