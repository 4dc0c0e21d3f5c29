import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../src/config/app-config';
import { CommandPruner } from '../../src/engine/command-pruner';
import { engineKeys } from '../../src/engine/engine-keys';
import { EngineMetrics } from '../../src/engine/engine-metrics';
import { REDIS } from '../../src/redis/redis.module';
import { EngineInstance, startEngineInstance, waitUntil } from './support/engine-instance';

const HOUR_MS = 3_600_000;

describe('Venue engine: pruning engine_commands past ENGINE_COMMAND_RETENTION_MS (medium)', () => {
  let instance: EngineInstance;
  let dataSource: DataSource;
  let redis: Redis;
  let config: AppConfig;
  const pruner = (options: { chunkSize?: number; maxChunks?: number } = {}, instanceId = randomUUID()) =>
    new CommandPruner(dataSource, redis, config.redisKeyPrefix, instanceId, instance.module.get(EngineMetrics), { retentionMs: config.engineCommandRetentionMs, ...options });
  /** `count` stored outcomes on a shard of their own, committed `ageMs` ago. */
  const givenStoredCommands = async (count: number, ageMs: number) => {
    const shard = `prune-${randomUUID().slice(0, 8)}`;
    await dataSource.query(
      `INSERT INTO engine_commands (venue, shard, command_id, outcome, committed_at)
       SELECT 'prune-test', $1, 'c' || n, '{"ok":true,"result":null}', now() - $3 * interval '1 millisecond' FROM generate_series(1, $2::int) AS n`,
      [shard, count, ageMs],
    );
    return shard;
  };
  const storedOn = async (shard: string) =>
    ((await dataSource.query(`SELECT count(*)::int AS n FROM engine_commands WHERE venue = 'prune-test' AND shard = $1`, [shard])) as { n: number }[])[0].n;

  beforeAll(async () => {
    instance = await startEngineInstance([], { ENGINE_ENABLED: 'false' });
    ({ dataSource, config } = instance);
    redis = instance.module.get<Redis>(REDIS);
    // Rows other suites left past the retention go first, so the counts below are this suite's own.
    await pruner().prune();
  });
  afterAll(async () => {
    await redis.del(engineKeys.pruneTurn(config.redisKeyPrefix));
    await instance.close();
  });

  it('defaults the retention to the Idempotency-Key lifetime and refuses a shorter one', () => {
    expect(config.engineCommandRetentionMs).toBe(config.idempotencyKeyTtlHours * HOUR_MS);
    expect(AppConfig.fromEnv({ IDEMPOTENCY_KEY_TTL_HOURS: '72' }).engineCommandRetentionMs).toBe(72 * HOUR_MS);
    expect(() => AppConfig.fromEnv({ IDEMPOTENCY_KEY_TTL_HOURS: '48', ENGINE_COMMAND_RETENTION_MS: String(24 * HOUR_MS) })).toThrow(
      /ENGINE_COMMAND_RETENTION_MS must be at least IDEMPOTENCY_KEY_TTL_HOURS/,
    );
  });

  it('deletes only rows older than the retention, chunk after chunk until none is left', async () => {
    const expired = await givenStoredCommands(11, config.engineCommandRetentionMs + HOUR_MS);
    const recent = await givenStoredCommands(4, config.engineCommandRetentionMs - HOUR_MS);

    expect(await pruner({ chunkSize: 3 }).prune()).toBe(11);
    expect(await storedOn(expired)).toBe(0);
    expect(await storedOn(recent)).toBe(4);
  });

  it('deletes at most chunkSize rows per statement and maxChunks statements per run, leaving the rest to the next run', async () => {
    const expired = await givenStoredCommands(10, config.engineCommandRetentionMs + HOUR_MS);

    expect(await pruner({ chunkSize: 3, maxChunks: 2 }).prune()).toBe(6);
    expect(await storedOn(expired)).toBe(4);
    expect(await pruner({ chunkSize: 3, maxChunks: 2 }).prune()).toBe(4);
    expect(await storedOn(expired)).toBe(0);
  });

  it('runs at most once a minute across instances: the first to take the turn prunes, the others skip', async () => {
    await redis.del(engineKeys.pruneTurn(config.redisKeyPrefix));
    const expired = await givenStoredCommands(5, config.engineCommandRetentionMs + HOUR_MS);
    const [one, other] = [pruner(), pruner()];

    expect(await one.pruneIfDue()).toBe(5);
    const later = await givenStoredCommands(2, config.engineCommandRetentionMs + HOUR_MS);
    expect(await other.pruneIfDue()).toBeNull();
    expect(await one.pruneIfDue()).toBeNull();
    expect([await storedOn(expired), await storedOn(later)]).toEqual([0, 2]);
    expect(await redis.pttl(engineKeys.pruneTurn(config.redisKeyPrefix))).toBeGreaterThan(50_000);
  });

  it('a running engine prunes from its lease loop, and keeps rows within the retention', async () => {
    await redis.del(engineKeys.pruneTurn(config.redisKeyPrefix));
    const expired = await givenStoredCommands(7, config.engineCommandRetentionMs + HOUR_MS);
    const recent = await givenStoredCommands(3, 60_000);

    const engine = await startEngineInstance([]);
    try {
      await waitUntil(async () => (await storedOn(expired)) === 0, 10_000);
    } finally {
      await engine.close();
    }

    expect(await storedOn(recent)).toBe(3);
  });
});
