import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { CreatorsModule } from '../creators/creators.module';
import { MarketsModule } from '../markets/markets.module';
import { RoundsModule } from '../rounds/rounds.module';
import { TradesModule } from '../trades/trades.module';
import { AnalyticsCron, AnalyticsJobs, AnalyticsProcessor, ANALYTICS_QUEUE } from './analytics-jobs';
import { AnalyticsListener } from './analytics.listener';
import { LeaderboardNamesCache } from './leaderboard-names.cache';
import { LeaderboardService } from './leaderboard.service';
import { AnalyticsAdminController, LeaderboardsController } from './leaderboards.controller';
import { PlayerStatsService } from './player-stats.service';
import { ProfilesService } from './profiles.service';
import { RoundStatisticsService } from './round-statistics.service';
import { RoundStatsController } from './round-stats.controller';
import { StatsController } from './stats.controller';

/**
 * Statistics and leaderboards. Reads each venue only through the read-only queries it exports
 * (RoundStatsQueries, MarketStatsQueries, PerpStatsQueries, CreatorStatsQueries); owns player profiles, the materialised round
 * statistics and the Redis leaderboards.
 */
@Module({
  imports: [AuthModule, RoundsModule, MarketsModule, TradesModule, CreatorsModule, BullModule.registerQueue({ name: ANALYTICS_QUEUE })],
  controllers: [RoundStatsController, StatsController, LeaderboardsController, AnalyticsAdminController],
  providers: [LeaderboardNamesCache, ProfilesService, PlayerStatsService, RoundStatisticsService, LeaderboardService, AnalyticsListener, AnalyticsJobs, AnalyticsProcessor, AnalyticsCron],
  exports: [PlayerStatsService, LeaderboardService],
})
export class AnalyticsModule {}
