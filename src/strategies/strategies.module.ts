import { Module } from '@nestjs/common';
import { AccountsModule } from '../accounts/accounts.module';
import { RealtimeModule } from '../realtime/realtime.module';
import { RoundsModule } from '../rounds/rounds.module';
import { StrategiesController } from './strategies.controller';
import { StrategiesRealtime } from './strategies.realtime';
import { StrategiesService } from './strategies.service';
import { StrategyRunner } from './strategy-runner.service';

/** Saved round strategies: the rules document and its schema, backtests over revealed rounds, and the runner that plays them live. */
@Module({
  imports: [AccountsModule, RoundsModule, RealtimeModule],
  controllers: [StrategiesController],
  providers: [StrategiesService, StrategyRunner, StrategiesRealtime],
  exports: [StrategiesService],
})
export class StrategiesModule {}
