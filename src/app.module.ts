import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Module } from '@nestjs/common';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { ScheduleModule } from '@nestjs/schedule';
import { AccountsModule } from './accounts/accounts.module';
import { AdminModule } from './admin/admin.module';
import { AnalyticsModule } from './analytics/analytics.module';
import { AuthModule } from './auth/auth.module';
import { BlockchainModule } from './blockchain/blockchain.module';
import { AppConfig } from './config/app-config';
import { DomainEventsModule } from './common/events/domain-events.module';
import { IdempotencyModule } from './common/idempotency/idempotency.module';
import { ConfigModule } from './config/config.module';
import { CreatorsModule } from './creators/creators.module';
import { DatabaseModule } from './database/database.module';
import { EngineModule } from './engine/engine.module';
import { HealthModule } from './health/health.module';
import { LifecycleModule } from './lifecycle/lifecycle.module';
import { MarketsModule } from './markets/markets.module';
import { NotificationsModule } from './notifications/notifications.module';
import { QueuesModule } from './queues/queues.module';
import { RealtimeModule } from './realtime/realtime.module';
import { RedisModule } from './redis/redis.module';
import { RoundsModule } from './rounds/rounds.module';
import { StrategiesModule } from './strategies/strategies.module';
import { TradesModule } from './trades/trades.module';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        DatabaseModule,
        RedisModule,
        BullModule.forRoot({
          connection: { url: config.redisUrl, maxRetriesPerRequest: null },
          prefix: `${config.redisKeyPrefix}:bull`,
        }),
        ScheduleModule.forRoot(),
        EventEmitterModule.forRoot({ wildcard: false, ignoreErrors: false }),
        DomainEventsModule,
        HealthModule,
        LifecycleModule,
        IdempotencyModule,
        AdminModule,
        AuthModule,
        AccountsModule,
        EngineModule,
        MarketsModule,
        TradesModule,
        // Before RoundsModule: its routes /rounds/stats and /rounds/timing must be matched before /rounds/:id.
        AnalyticsModule,
        RoundsModule,
        StrategiesModule,
        BlockchainModule,
        CreatorsModule,
        NotificationsModule,
        RealtimeModule,
        QueuesModule,
      ],
    };
  }
}
