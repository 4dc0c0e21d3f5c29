import type Redis from 'ioredis';

/**
 * Thrown instead of sending a command while the connection is down (reconnecting): a caller that can do without
 * Redis (a cache, an uncounted rate limit) moves on at once instead of after REDIS_COMMAND_TIMEOUT_MS, and one that
 * cannot answers 503 (the global filter knows this error by its name).
 */
export class RedisNotReady extends Error {
  constructor(status: string) {
    super(`Redis connection is ${status}`);
    this.name = 'RedisNotReady';
  }
}

export function assertRedisReady(redis: Pick<Redis, 'status'>): void {
  if (redis.status !== 'ready') throw new RedisNotReady(redis.status);
}
