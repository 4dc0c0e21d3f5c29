import { Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import type Redis from 'ioredis';
import { AppConfig } from '../config/app-config';
import { REDIS } from '../redis/redis.module';
import { AUTH_THROTTLER, DEFAULT_THROTTLER } from './rate-limit.guard';
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
        throttlers: [
          { name: AUTH_THROTTLER, ttl: MINUTE_MS, limit: config.rateLimitAuthPerMinute },
          { name: DEFAULT_THROTTLER, ttl: MINUTE_MS, limit: config.rateLimitPerMinute },
        ],
      }),
    }),
  ],
  exports: [ThrottlerModule],
})
export class ThrottlingModule {}
