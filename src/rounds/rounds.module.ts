import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { AccountsModule } from '../accounts/accounts.module';
import { BlockchainModule } from '../blockchain/blockchain.module';
import { RealtimeModule } from '../realtime/realtime.module';
import { HealthModule } from '../health/health.module';
import { RoundEngineMetrics } from './round-engine.metrics';
import { RoundEngine } from './round-engine.service';
import { RoundSettingsService } from './round-settings.service';
import { RoundSettlementProcessor, RoundSettlementQueue, ROUND_SETTLEMENT_QUEUE } from './round-settlement.processor';
import { RoundSettlementService } from './round-settlement.service';
import { RoundsAdminController } from './rounds.admin.controller';
import { RoundsAdminService } from './rounds-admin.service';
import { RoundsController } from './rounds.controller';
import { RoundsRealtime } from './rounds.realtime';
import { RoundsService } from './rounds.service';
import { RoundStatsQueries } from './round-stats.queries';
import { RoundTickHooks } from './round-tick-hooks';
import { saltSourceProvider } from './salt-source.provider';
import { SeedCommitmentFeed } from './seed-commitment-feed';
import { SeedChainsService } from './seed-chains.service';

@Module({
  imports: [AccountsModule, BlockchainModule, RealtimeModule, HealthModule, BullModule.registerQueue({ name: ROUND_SETTLEMENT_QUEUE })],
  controllers: [RoundsController, RoundsAdminController],
  providers: [
    saltSourceProvider,
    RoundEngineMetrics,
    SeedChainsService,
    RoundSettingsService,
    RoundsService,
    RoundStatsQueries,
    RoundsAdminService,
    RoundSettlementService,
    RoundSettlementQueue,
    RoundSettlementProcessor,
    RoundEngine,
    RoundTickHooks,
    RoundsRealtime,
    SeedCommitmentFeed,
  ],
  exports: [RoundsService, RoundStatsQueries, RoundTickHooks],
})
export class RoundsModule {}
