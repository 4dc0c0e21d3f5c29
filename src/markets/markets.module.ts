import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { AccountsModule } from '../accounts/accounts.module';
import { CreatorEarningsModule } from '../creators/creator-earnings.module';
import { EngineModule } from '../engine/engine.module';
import { RealtimeModule } from '../realtime/realtime.module';
import { MarketDemoSeeder } from './market-demo.seeder';
import { MARKET_CLOSE_QUEUE, MARKET_RESOLUTION_QUEUE, MarketJobs } from './market-jobs';
import { MarketCloseProcessor, MarketLifecycleSweep, MarketResolutionProcessor } from './market-lifecycle.processors';
import { MarketListCache } from './market-list.cache';
import { MarketPoolsReconciliation } from './market-pools.reconciliation';
import { MarketDataService } from './market-data.service';
import { MarketQueriesService } from './market-queries.service';
import { MarketSettlementService } from './market-settlement.service';
import { MarketTradingService } from './market-trading.service';
import { MarketsAdminController } from './markets.admin.controller';
import { MarketsController } from './markets.controller';
import { MarketOrdersController } from './market-orders.controller';
import { MarketOrdersService } from './market-orders.service';
import { MarketsRealtime } from './markets.realtime';
import { MarketsService } from './markets.service';
import { MarketStatsQueries } from './market-stats.queries';
import { MarketCommands } from './venue/market-commands.service';
import { MarketVenue } from './venue/market-venue';

@Module({
  imports: [AccountsModule, RealtimeModule, CreatorEarningsModule, EngineModule, BullModule.registerQueue({ name: MARKET_CLOSE_QUEUE }, { name: MARKET_RESOLUTION_QUEUE })],
  controllers: [MarketOrdersController, MarketsController, MarketsAdminController],
  providers: [
    MarketListCache,
    MarketJobs,
    MarketsService,
    MarketVenue,
    MarketCommands,
    MarketTradingService,
    MarketOrdersService,
    MarketQueriesService,
    MarketDataService,
    MarketSettlementService,
    MarketCloseProcessor,
    MarketResolutionProcessor,
    MarketLifecycleSweep,
    MarketDemoSeeder,
    MarketsRealtime,
    MarketPoolsReconciliation,
    MarketStatsQueries,
  ],
  exports: [MarketsService, MarketTradingService, MarketQueriesService, MarketStatsQueries, MarketOrdersService],
})
export class MarketsModule {}
