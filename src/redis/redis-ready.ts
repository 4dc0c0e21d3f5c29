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

/** A call on a connection of its own (BullMQ's) that REDIS_COMMAND_TIMEOUT_MS does not bound by itself gave up. */
export class RedisCallTimedOut extends Error {
  constructor(what: string, ms: number) {
    // "Command timed out" like ioredis's own timeout, so both read (and answer) the same.
    super(`Command timed out: ${what} took over ${ms} ms (REDIS_COMMAND_TIMEOUT_MS)`);
    this.name = 'RedisCallTimedOut';
  }
}

/**
 * `work`, or RedisCallTimedOut after `ms`. For BullMQ producer calls in a request's path: their connection must keep
 * `maxRetriesPerRequest: null` (workers share its options), so while Redis is down an `add()` waits in the offline
 * queue until it is back. The request stops waiting; the call itself still runs once Redis returns (job ids make it
 * idempotent), and the sweeps add whatever was lost with the process.
 */
export function withinRedisTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new RedisCallTimedOut(what, ms)), ms);
  });
  // The abandoned call may still fail later: that failure is expected and reported by the timeout already.
  work.catch(() => undefined);
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
