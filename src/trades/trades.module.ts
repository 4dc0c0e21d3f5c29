import { Module } from '@nestjs/common';
import { RealtimeModule } from '../realtime/realtime.module';
import { PerpCandles } from './feed/perp-candles.service';
import { PerpPrices } from './feed/perp-prices';
import { PriceFeedService } from './feed/price-feed.service';
import { PerpMarketData } from './perp-market-data.service';
import { PerpMarketsService } from './perp-markets.service';
import { PerpsAdminController } from './perps.admin.controller';
import { PerpsController } from './perps.controller';
import { TradesRealtime } from './trades.realtime';

/**
 * Live markets (perps). So far: the price feed (PerpPrices: every instance's latest quotes, `freshQuote`;
 * PerpCandles: candles, `recordVolume` for the venue; the feed leader, PriceFeedService), the public market data
 * (candles, 24 h ticker) over HTTP and Socket.IO, and the symbol catalogue (PerpMarketsService, admin PATCH).
 */
@Module({
  imports: [RealtimeModule],
  controllers: [PerpsController, PerpsAdminController],
  providers: [PerpPrices, PerpCandles, PriceFeedService, PerpMarketData, PerpMarketsService, TradesRealtime],
  exports: [PerpPrices, PerpCandles, PerpMarketData, PerpMarketsService],
})
export class TradesModule {}
