import { Injectable } from '@nestjs/common';
import type { VenueTradeSummary } from '../common/stats/venue-stats';
import { formatUsdc } from '../common/money/usdc';
import { MarketStatsQueries } from '../markets/market-stats.queries';
import { RoundStatsQueries } from '../rounds/round-stats.queries';
import { PerpStatsQueries } from '../trades/perp-stats.queries';
import type { PlayerStatsDto, VenueStatsDto } from './analytics.dto';
import { ProfilesService } from './profiles.service';
import { averageTradeSize, combineSummaries, periodStart, StatsPeriod, winRate } from './stats-math';

const money = (value: bigint | null): string | null => (value === null ? null : formatUsdc(value));

export function toVenueStats(summary: VenueTradeSummary): VenueStatsDto {
  return {
    trades: summary.trades,
    wins: summary.wins,
    winRate: winRate(summary.wins, summary.trades),
    volume: formatUsdc(summary.volume),
    pnl: formatUsdc(summary.pnl),
    averageTradeSize: money(averageTradeSize(summary.volume, summary.trades)),
    bestTrade: money(summary.best),
    worstTrade: money(summary.worst),
    openPositions: summary.openPositions,
  };
}

/**
 * A player's statistics per venue and overall, from each venue's own rows (read through its exported queries,
 * one indexed aggregate per venue): the figures are the ledger-backed payouts and amounts, never a copy.
 */
@Injectable()
export class PlayerStatsService {
  constructor(
    private readonly rounds: RoundStatsQueries,
    private readonly markets: MarketStatsQueries,
    private readonly perps: PerpStatsQueries,
    private readonly profiles: ProfilesService,
  ) {}

  async mine(userId: string, period: StatsPeriod): Promise<PlayerStatsDto> {
    return this.statsOf(await this.profiles.mine(userId), period);
  }

  /** Another player's statistics: only of a public profile (or your own); PlayerNotFound otherwise. */
  async of(callerId: string | undefined, userId: string, period: StatsPeriod): Promise<PlayerStatsDto> {
    return this.statsOf(await this.profiles.visibleTo(callerId, userId), period);
  }

  private async statsOf(profile: { userId: string; displayName: string | null }, period: StatsPeriod): Promise<PlayerStatsDto> {
    const since = periodStart(period, new Date());
    const [rounds, markets, perps] = await Promise.all([
      this.rounds.playerSummary(profile.userId, since),
      this.markets.playerSummary(profile.userId, since),
      this.perps.playerSummary(profile.userId, since),
    ]);
    return {
      userId: profile.userId,
      displayName: profile.displayName,
      period,
      since: since?.toISOString() ?? null,
      overall: toVenueStats(combineSummaries([rounds, markets, perps])),
      venues: { rounds: toVenueStats(rounds), markets: toVenueStats(markets), perps: toVenueStats(perps) },
    };
  }
}
