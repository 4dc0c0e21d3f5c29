import { Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import type Redis from 'ioredis';
import { AppConfig } from '../config/app-config';
import { REDIS } from '../redis/redis.module';
import type { RateLimitBucket } from './rate-limit.decorators';
import { RedisThrottlerStorage } from './redis-throttler.storage';

const MINUTE_MS = 60_000;

/**
 * Throttler options and Redis storage. The guard itself (`RateLimitGuard`) is registered as an
 * APP_GUARD by AuthModule right after the auth guard, because it counts per signed-in user.
 */
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [AppConfig, REDIS],
      useFactory: (config: AppConfig, redis: Redis) => ({
        storage: new RedisThrottlerStorage(redis, config.redisKeyPrefix),
        setHeaders: false,
        throttlers: (
          [
            { name: 'default', limit: config.rateLimitPerMinute },
            { name: 'sign-in', limit: config.rateLimitAuthPerMinute },
            { name: 'refresh', limit: config.rateLimitRefreshPerMinute },
          ] satisfies { name: RateLimitBucket; limit: number }[]
        ).map((bucket) => ({ ...bucket, ttl: MINUTE_MS })),
      }),
    }),
  ],
  exports: [ThrottlerModule],
})
export class ThrottlingModule {}
