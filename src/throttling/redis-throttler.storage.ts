import type { ThrottlerStorage } from '@nestjs/throttler';
import type Redis from 'ioredis';
import { TickBatcher } from '../common/concurrency/tick-batcher';
import { assertRedisReady } from '../redis/redis-ready';

// Fixed window per key, atomically in Redis so every instance shares the count.
// KEYS: hits, block. ARGV: window ms, limit, block ms.
// Returns: hits, ms until the window resets, 1 if blocked, ms until the block ends.
const INCREMENT = `
local blockTtl = redis.call('PTTL', KEYS[2])
if blockTtl > 0 then
  local hits = tonumber(redis.call('GET', KEYS[1]) or '0')
  return { hits, math.max(redis.call('PTTL', KEYS[1]), 0), 1, blockTtl }
end
local hits = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
if hits > tonumber(ARGV[2]) then
  local block = tonumber(ARGV[3])
  if block > 0 then
    redis.call('SET', KEYS[2], '1', 'PX', block)
    return { hits, ttl, 1, block }
  end
  return { hits, ttl, 1, ttl }
end
return { hits, ttl, 0, 0 }
`;

type IncrementReply = [number, number, number, number];
type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;
/** KEYS then ARGV of one INCREMENT call. */
type IncrementArgs = [hitsKey: string, blockKey: string, windowMs: number, limit: number, blockMs: number];
/** Per call of a pipeline: the reply, or the error that call alone got. */
type Settled = { reply: IncrementReply } | { error: Error };

/** The script's name as an ioredis custom command (EVALSHA after the first call on a connection). */
const COMMAND = 'cmThrottleIncrement';
type WithIncrement = { [COMMAND](...args: IncrementArgs): unknown };

/**
 * `@nestjs/throttler` storage on the shared Redis connection: limits hold across instances. The counts of the
 * requests that arrive in one turn of the event loop go as one pipeline of EVALSHAs (one socket write, and the
 * script's text crosses the connection once per connection, not once per request).
 */
export class RedisThrottlerStorage implements ThrottlerStorage {
  private readonly batcher = new TickBatcher<IncrementArgs, Settled>((calls) => this.send(calls));

  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
  ) {
    if (!(COMMAND in redis)) redis.defineCommand(COMMAND, { numberOfKeys: 2, lua: INCREMENT });
  }

  async increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<ThrottlerStorageRecord> {
    // Down: refused at once (RateLimitGuard decides what an uncountable request gets), not after the command timeout.
    assertRedisReady(this.redis);
    const base = `${this.keyPrefix}:throttle:${throttlerName}:${key}`;
    const settled = await this.batcher.submit([`${base}:hits`, `${base}:block`, ttl, limit, blockDuration]);
    if ('error' in settled) throw settled.error;
    const [totalHits, windowMs, blocked, blockMs] = settled.reply;
    return {
      totalHits,
      timeToExpire: Math.ceil(windowMs / 1000),
      isBlocked: blocked === 1,
      timeToBlockExpire: Math.ceil(blockMs / 1000),
    };
  }

  private async send(calls: IncrementArgs[]): Promise<Settled[]> {
    // The connection may have dropped since the calls were submitted: each is refused as increment() would have.
    assertRedisReady(this.redis);
    const pipeline = this.redis.pipeline();
    for (const args of calls) (pipeline as unknown as WithIncrement)[COMMAND](...args);
    const replies = (await pipeline.exec()) ?? [];
    return calls.map((_call, index) => {
      const [error, reply] = replies[index] ?? [new Error('no reply from Redis'), undefined];
      return error ? { error } : { reply: reply as IncrementReply };
    });
  }
}
