import { Injectable } from '@nestjs/common';
import type { VenueTradeSummary } from '../common/stats/venue-stats';
import { formatUsdc } from '../common/money/usdc';
import { CreatorStatsQueries } from '../creators/creator-stats.queries';
import { MarketStatsQueries } from '../markets/market-stats.queries';
import { RoundStatsQueries } from '../rounds/round-stats.queries';
import { PerpStatsQueries } from '../trades/perp-stats.queries';
import type { CreatorShareStatsDto, PlayerStatsDto, VenueStatsDto } from './analytics.dto';
import { accountShareTrades } from './creator-share-accounting';
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
    private readonly creatorShares: CreatorStatsQueries,
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
    const [rounds, markets, perps, creatorShares] = await Promise.all([
      this.rounds.playerSummary(profile.userId, since),
      this.markets.playerSummary(profile.userId, since),
      this.perps.playerSummary(profile.userId, since),
      this.creatorShareStats(profile.userId, since),
    ]);
    return {
      userId: profile.userId,
      displayName: profile.displayName,
      period,
      since: since?.toISOString() ?? null,
      overall: toVenueStats(combineSummaries([rounds, markets, perps])),
      venues: { rounds: toVenueStats(rounds), markets: toVenueStats(markets), perps: toVenueStats(perps) },
      creatorShares,
    };
  }

  /** Trading of the period from the whole trade history (average cost needs every buy), holdings valued now. */
  private async creatorShareStats(userId: string, since: Date | null): Promise<CreatorShareStatsDto> {
    const [trades, holdings, dividends] = await Promise.all([
      this.creatorShares.tradesOf(userId),
      this.creatorShares.holdingsOf(userId),
      this.creatorShares.dividendsReceived(userId, since),
    ]);
    const account = accountShareTrades(trades, since);
    let costBasis = 0n;
    let marketValue = 0n;
    let shares = 0n;
    for (const holding of holdings) {
      shares += holding.shares;
      marketValue += holding.marketValue;
      costBasis += account.pools.get(holding.creatorId)?.cost ?? 0n;
    }
    return {
      buys: account.buys,
      sells: account.sells,
      sharesBought: Number(account.sharesBought),
      sharesSold: Number(account.sharesSold),
      spent: formatUsdc(account.spent),
      received: formatUsdc(account.received),
      fees: formatUsdc(account.fees),
      dividendsReceived: formatUsdc(dividends),
      realisedPnl: formatUsdc(account.realisedPnl),
      winRate: winRate(account.winningSells, account.sells),
      holdings: {
        creators: holdings.length,
        shares: Number(shares),
        costBasis: formatUsdc(costBasis),
        marketValue: formatUsdc(marketValue),
        unrealisedPnl: formatUsdc(marketValue - costBasis),
      },
    };
  }
}
