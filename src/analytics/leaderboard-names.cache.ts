import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { AppConfig } from '../config/app-config';
import { REDIS } from '../redis/redis.module';
import { namesKey } from './leaderboard-keys';

/** The whole hash expires an hour after its first fill: whatever an invalidation missed is wrong for at most that long. */
export const NAMES_TTL_SECONDS = 3600;

/**
 * Bumped by every invalidation. A read remembers it with its misses and writes back what it loaded from
 * PostgreSQL only while it is unchanged: a fill that read the old name just before an update committed
 * cannot put that name back after the update's HDEL (it would otherwise stay for the hour).
 */
const GENERATION = '#generation';

/** KEYS[1] the hash; ARGV[1] the generation the read saw ('' for none), ARGV[2] the TTL, then field/value pairs. */
const FILL = `
if (redis.call('HGET', KEYS[1], '${GENERATION}') or '') ~= ARGV[1] then return 0 end
for i = 3, #ARGV, 2 do
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
end
redis.call('EXPIRE', KEYS[1], ARGV[2], 'NX')
return 1`;

const PUBLIC = '1';
const HIDDEN = '0';

/**
 * Leaderboard display names in one Redis hash (`<prefix>:lb-names`), so a warm leaderboard read asks
 * PostgreSQL nothing: a field per user id, `1<name>` for a public player, `0` for a private one (or no such
 * user). A read is one HMGET for the page; the misses are loaded by the caller in one go and written back
 * atomically. A profile change or a rename deletes the user's field (`forget`).
 */
@Injectable()
export class LeaderboardNamesCache {
  private readonly key: string;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    config: AppConfig,
  ) {
    this.key = namesKey(config.redisKeyPrefix);
  }

  /** The public names among `userIds`; `load` is asked for the ones not cached (its map holds only the public ones). */
  async publicNames(userIds: string[], load: (missing: string[]) => Promise<Map<string, string>>): Promise<Map<string, string>> {
    const names = new Map<string, string>();
    if (userIds.length === 0) return names;
    const [generation, ...values] = await this.redis.hmget(this.key, GENERATION, ...userIds);
    const missing: string[] = [];
    userIds.forEach((userId, index) => {
      const value = values[index];
      if (value === null) missing.push(userId);
      else if (value.startsWith(PUBLIC)) names.set(userId, value.slice(PUBLIC.length));
    });
    if (missing.length === 0) return names;
    const loaded = await load(missing);
    const fields = missing.flatMap((userId) => [userId, loaded.has(userId) ? `${PUBLIC}${loaded.get(userId)}` : HIDDEN]);
    await this.redis.eval(FILL, 1, this.key, generation ?? '', String(NAMES_TTL_SECONDS), ...fields);
    for (const [userId, name] of loaded) names.set(userId, name);
    return names;
  }

  /** The next read of these users asks PostgreSQL again; fills already under way for anyone are not written back. */
  async forget(...userIds: string[]): Promise<void> {
    if (userIds.length === 0) return;
    const results = await this.redis.multi().hdel(this.key, ...userIds).hincrby(this.key, GENERATION, 1).expire(this.key, NAMES_TTL_SECONDS, 'NX').exec();
    const failed = results?.find(([error]) => error);
    if (failed) throw failed[0];
  }
}
