import { Module } from '@nestjs/common';
import { AccountsModule } from '../accounts/accounts.module';
import { EngineModule } from '../engine/engine.module';
import { HealthModule } from '../health/health.module';
import { RealtimeModule } from '../realtime/realtime.module';
import { FeedMetrics } from './feed/feed-metrics';
import { PerpCandles } from './feed/perp-candles.service';
import { PerpPrices } from './feed/perp-prices';
import { PriceFeedService } from './feed/price-feed.service';
import { PerpMarketData } from './perp-market-data.service';
import { PerpMarketsService } from './perp-markets.service';
import { PerpsAdminController } from './perps.admin.controller';
import { PerpsController } from './perps.controller';
import { TradingService } from './trading.service';
import { PerpOpenInterest } from './perp-open-interest';
import { PerpStatsQueries } from './perp-stats.queries';
import { PERPS_VENUE_PROVIDERS } from './perps-venue.providers';
import { OrdersController, PerpsExposureController, TradesController } from './trades.controller';
import { TradesRealtime } from './trades.realtime';
import { PERP_PRICE_BOARD, PERP_VOLUME } from './venue/perp-venue-deps';

/**
 * Live markets (perps). So far: the price feed (PerpPrices: every instance's latest quotes, `freshQuote`;
 * PerpCandles: candles, `recordVolume` for the venue; the feed leader, PriceFeedService), the public market data
 * (candles, 24 h ticker) over HTTP and Socket.IO, the symbol catalogue (PerpMarketsService, admin PATCH), and the
 * venue on the engine: positions, pending orders, SL/TP/liquidation (PerpVenue, TradingService, PerpTriggerDriver).
 */
@Module({
  imports: [RealtimeModule, AccountsModule, EngineModule, HealthModule],
  controllers: [PerpsController, PerpsAdminController, TradesController, OrdersController, PerpsExposureController],
  providers: [
    PerpPrices,
    PerpCandles,
    PriceFeedService,
    FeedMetrics,
    PerpOpenInterest,
    PerpMarketData,
    PerpMarketsService,
    TradesRealtime,
    PerpStatsQueries,
    { provide: PERP_PRICE_BOARD, useExisting: PerpPrices },
    { provide: PERP_VOLUME, useExisting: PerpCandles },
    ...PERPS_VENUE_PROVIDERS,
  ],
  exports: [PerpPrices, PerpCandles, PerpMarketData, PerpMarketsService, TradingService, PerpStatsQueries],
})
export class TradesModule {}
