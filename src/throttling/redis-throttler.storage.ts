import type { ThrottlerStorage } from '@nestjs/throttler';
import type Redis from 'ioredis';
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

/** `@nestjs/throttler` storage on the shared Redis connection: limits hold across instances. */
export class RedisThrottlerStorage implements ThrottlerStorage {
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
  ) {}

  async increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<ThrottlerStorageRecord> {
    // Down: refused at once (RateLimitGuard decides what an uncountable request gets), not after the command timeout.
    assertRedisReady(this.redis);
    const base = `${this.keyPrefix}:throttle:${throttlerName}:${key}`;
    const [totalHits, windowMs, blocked, blockMs] = (await this.redis.eval(INCREMENT, 2, `${base}:hits`, `${base}:block`, ttl, limit, blockDuration)) as IncrementReply;
    return {
      totalHits,
      timeToExpire: Math.ceil(windowMs / 1000),
      isBlocked: blocked === 1,
      timeToBlockExpire: Math.ceil(blockMs / 1000),
    };
  }
}
