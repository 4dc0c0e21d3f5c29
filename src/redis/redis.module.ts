import { Global, Inject, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { AppConfig } from '../config/app-config';
import { StartupError } from '../common/errors/startup-error';

export const REDIS = Symbol('REDIS');

async function connectRedis(config: AppConfig): Promise<Redis> {
  const client = new Redis(config.redisUrl, {
    lazyConnect: true,
    connectTimeout: 5000,
    maxRetriesPerRequest: 3,
    // Reconnect forever once running; the boot-time connect below fails fast instead.
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
  });
  client.on('error', (error) => new Logger('Redis').warn(`Redis: ${error.message}`));
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    client.disconnect();
    const target = new URL(config.redisUrl);
    throw new StartupError(`Cannot connect to Redis at ${target.hostname}:${target.port || 6379} (REDIS_URL): ${(error as Error).message}`);
  }
  return client;
}

/** One shared command connection; subscribers (Socket.IO adapter, BullMQ) open their own. */
@Global()
@Module({
  providers: [{ provide: REDIS, inject: [AppConfig], useFactory: connectRedis }],
  exports: [REDIS],
})
export class RedisModule implements OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
