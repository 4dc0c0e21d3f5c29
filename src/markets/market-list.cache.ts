import { createHash } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import Redis from 'ioredis';
import { AppConfig } from '../config/app-config';
import { assertRedisReady } from '../redis/redis-ready';
import { REDIS } from '../redis/redis.module';

/**
 * Cache-aside for market list pages. Every page key embeds a generation number; any change to any market
 * bumps the generation (one INCR), so every cached page is dropped at once without scanning keys. Stale
 * generations expire on their TTL. Redis trouble never fails a read or a write: it only skips the cache.
 */
@Injectable()
export class MarketListCache {
  private readonly logger = new Logger('MarketListCache');
  private readonly generationKey: string;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly config: AppConfig,
  ) {
    this.generationKey = `${config.redisKeyPrefix}:markets:list:generation`;
  }

  async getOrLoad<T>(query: object, load: () => Promise<T>): Promise<T> {
    let key: string | undefined;
    try {
      assertRedisReady(this.redis);
      const generation = (await this.redis.get(this.generationKey)) ?? '0';
      const digest = createHash('sha256').update(JSON.stringify(query)).digest('hex').slice(0, 32);
      key = `${this.config.redisKeyPrefix}:markets:list:${generation}:${digest}`;
      const cached = await this.redis.get(key);
      if (cached) return JSON.parse(cached) as T;
    } catch (error) {
      this.logger.warn(`market list cache read skipped: ${(error as Error).message}`);
    }
    const value = await load();
    if (key && this.redis.status === 'ready') {
      await this.redis.set(key, JSON.stringify(value), 'EX', this.config.marketListCacheTtlSeconds).catch((error: Error) => {
        this.logger.warn(`market list cache write skipped: ${error.message}`);
      });
    }
    return value;
  }

  /** The INCR not sent yet (it goes on the next turn of the event loop), which callers until then share. */
  private pending: Promise<void> | null = null;

  /**
   * Call after a change to any market commits. Callers within one turn of the event loop share one INCR, sent
   * after all of their commits (a batch of the markets venue answers a hundred trades at once); one already sent
   * is never shared, since it may have run before the caller's commit.
   */
  invalidate(): Promise<void> {
    // Down: skipped at once like a failed INCR (pages expire on their TTL), rather than holding the write's answer.
    if (this.redis.status !== 'ready') {
      this.logger.warn(`market list cache invalidation skipped: Redis connection is ${this.redis.status}`);
      return Promise.resolve();
    }
    if (this.pending) return this.pending;
    this.pending = new Promise<void>((resolve) => setImmediate(resolve)).then(async () => {
      this.pending = null;
      await this.redis.incr(this.generationKey).catch((error: Error) => this.logger.warn(`market list cache invalidation failed: ${error.message}`));
    });
    return this.pending;
  }
}
