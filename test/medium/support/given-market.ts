import { BullModule } from '@nestjs/bullmq';
import { randomUUID } from 'node:crypto';
import { MARKET_CLOSE_QUEUE, MARKET_RESOLUTION_QUEUE, MarketJobs } from '../../../src/markets/market-jobs';
import { MarketListCache } from '../../../src/markets/market-list.cache';
import { MarketQueriesService } from '../../../src/markets/market-queries.service';
import { MarketSettlementService } from '../../../src/markets/market-settlement.service';
import { MarketTradingService } from '../../../src/markets/market-trading.service';
import type { MarketDto } from '../../../src/markets/market.dto';
import { MarketOrdersService } from '../../../src/markets/market-orders.service';
import { MarketCommands } from '../../../src/markets/venue/market-commands.service';
import { MarketVenue } from '../../../src/markets/venue/market-venue';
import { MarketsService } from '../../../src/markets/markets.service';
import { CreatorEarnings } from '../../../src/creators/creator-earnings.service';
import type { MediumModule } from './medium-module';

/** The prediction-markets venue's services, without their job processors, controllers or realtime listeners. */
export const MARKETS_VENUE = {
  imports: [BullModule.registerQueue({ name: MARKET_CLOSE_QUEUE }, { name: MARKET_RESOLUTION_QUEUE })],
  providers: [CreatorEarnings, MarketListCache, MarketJobs, MarketVenue, MarketCommands, MarketOrdersService, MarketsService, MarketTradingService, MarketQueriesService, MarketSettlementService],
};

export interface GivenMarket {
  outcomes?: string[];
  /** House subsidy, decimal USDC. */
  subsidy?: string;
}

/** An OPEN house-funded market closing in an hour, created through MarketsService as an admin would. */
export function givenMarket(medium: MediumModule, given: GivenMarket = {}): Promise<MarketDto> {
  return medium.get(MarketsService).create(
    { house: true, adminId: randomUUID() },
    {
      question: `Medium scenario ${randomUUID()}?`,
      category: 'medium-tests',
      outcomes: given.outcomes ?? ['Yes', 'No'],
      closesAt: new Date(Date.now() + 3_600_000).toISOString(),
      subsidy: given.subsidy ?? '100',
    },
  );
}
