import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { AccountsModule } from '../accounts/accounts.module';
import { AuthModule } from '../auth/auth.module';
import { MarketsModule } from '../markets/markets.module';
import { RealtimeModule } from '../realtime/realtime.module';
import { CreatorDividendsService } from './creator-dividends.service';
import { CreatorEarningsModule } from './creator-earnings.module';
import { CreatorQueriesService } from './creator-queries.service';
import { CreatorReservesReconciliation } from './creator-reserves.reconciliation';
import { CreatorRolesListener } from './creator-roles.listener';
import { CreatorSharesService } from './creator-shares.service';
import { CreatorsAdminController } from './creators.admin.controller';
import { CreatorsController, DividendsController, MyCreatorSharesController } from './creators.controller';
import { CreatorsRealtime } from './creators.realtime';
import { CreatorStatsQueries } from './creator-stats.queries';
import { DIVIDENDS_QUEUE, DividendJobs } from './dividend-jobs';
import { DividendsCron, DividendsProcessor } from './dividends.processor';

/** Creator shares on a bonding curve and the dividends paid to their holders (`CreatorSharesService`). */
@Module({
  imports: [AccountsModule, AuthModule, MarketsModule, RealtimeModule, CreatorEarningsModule, BullModule.registerQueue({ name: DIVIDENDS_QUEUE })],
  controllers: [CreatorsController, MyCreatorSharesController, DividendsController, CreatorsAdminController],
  providers: [
    CreatorSharesService,
    CreatorQueriesService,
    CreatorStatsQueries,
    CreatorDividendsService,
    DividendJobs,
    DividendsProcessor,
    DividendsCron,
    CreatorsRealtime,
    CreatorRolesListener,
    CreatorReservesReconciliation,
  ],
  exports: [CreatorSharesService, CreatorQueriesService, CreatorStatsQueries],
})
export class CreatorsModule {}
