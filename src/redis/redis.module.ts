import { Global, Inject, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { AppConfig } from '../config/app-config';
import { StartupError } from '../common/errors/startup-error';

export const REDIS = Symbol('REDIS');

/** The shared command connection, connected (or a StartupError). Exported for tests of its outage behaviour. */
export async function connectRedis(config: AppConfig): Promise<Redis> {
  const client = new Redis(config.redisUrl, {
    lazyConnect: true,
    connectTimeout: 5000,
    maxRetriesPerRequest: 3,
    // Reconnect forever once running; the boot-time connect below fails fast instead.
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
    // While Redis is down a command waits in the offline queue through the reconnect attempts, and on a connection
    // that hangs (no reset) it would wait forever: bounded, so a request needing Redis answers 503 in time.
    // Inherited by `duplicate()`; blocking reads (XREAD BLOCK) add their block time to it.
    commandTimeout: config.redisCommandTimeoutMs,
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
