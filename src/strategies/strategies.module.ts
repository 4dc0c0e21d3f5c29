import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { AccountsModule } from '../accounts/accounts.module';
import { RealtimeModule } from '../realtime/realtime.module';
import { RoundsModule } from '../rounds/rounds.module';
import { BACKTESTS_QUEUE, BacktestJobs } from './backtest-jobs';
import { BacktestsProcessor } from './backtests.processor';
import { StrategiesController } from './strategies.controller';
import { StrategiesRealtime } from './strategies.realtime';
import { StrategiesService } from './strategies.service';
import { StrategyBacktests } from './strategy-backtests.service';
import { StrategyRunner } from './strategy-runner.service';

/**
 * Saved round strategies: the rules document and its schema, backtests over revealed rounds (inline when small,
 * on the `backtests` queue when large), and the runner that plays them live.
 */
@Module({
  imports: [AccountsModule, RoundsModule, RealtimeModule, BullModule.registerQueue({ name: BACKTESTS_QUEUE })],
  controllers: [StrategiesController],
  providers: [StrategiesService, StrategyBacktests, BacktestJobs, BacktestsProcessor, StrategyRunner, StrategiesRealtime],
  exports: [StrategiesService],
})
export class StrategiesModule {}
