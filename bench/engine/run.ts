import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import type { Histogram } from 'prom-client';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { EngineMetrics } from '../../src/engine/engine-metrics';
import { VenueEngine } from '../../src/engine/venue-engine.service';
import { MetricsService } from '../../src/health/metrics.service';
import { openLedgerHarness } from '../ledger/harness';
import { measure, Result } from '../ledger/measure';
import { BENCH_ROWS_DDL, RowVenue } from './row-venue';

/**
 * Venue engine submits per second on one shard, each acknowledged after its batch committed, against the bare
 * single-row pg transaction (BEGIN; INSERT one row; COMMIT) in the same run:
 *   baseline  bare pg, --baseline-concurrency clients on their own connections
 *   local     submits on the shard's leader (no Redis), --concurrency clients
 *   remote    submits on another instance: XADD to the shard's stream, the leader's reply on Pub/Sub
 *
 * Usage: npm run bench:engine [-- --seconds 5 --concurrency 256 --baseline-concurrency 16]
 * Uses DATABASE_URL, REDIS_URL and REDIS_KEY_PREFIX; it writes rows into the `bench` schema.
 */

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? Number(process.argv[index + 1]) : fallback;
}

interface PgClient {
  query(sql: string, params?: unknown[]): Promise<unknown>;
  release(): void;
}

async function main(): Promise<void> {
  const seconds = option('seconds', 5);
  const concurrency = option('concurrency', 256);
  const baselineConcurrency = option('baseline-concurrency', 16);
  const harness = await openLedgerHarness({ DATABASE_POOL_SIZE: String(baselineConcurrency + 4), LOG_LEVEL: 'error', APP_ROLE: 'all', ENGINE_ENABLED: 'true' });
  const { config, dataSource } = harness;
  const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 3 });
  const submitterRedis = new Redis(config.redisUrl, { maxRetriesPerRequest: 3 });
  const metrics = new MetricsService();
  const leader = new VenueEngine(dataSource, redis, config, new EngineMetrics(metrics));
  const submitter = new VenueEngine(dataSource, submitterRedis, config, new EngineMetrics(new MetricsService()));
  const shard = `bench-${randomUUID().slice(0, 8)}`;
  try {
    for (const statement of BENCH_ROWS_DDL) await dataSource.query(statement);
    leader.register(new RowVenue([shard]));
    submitter.register(new RowVenue([]));
    leader.onApplicationBootstrap();
    while (!leader.isLeader('bench', shard)) await new Promise((resolve) => setTimeout(resolve, 10));

    const submit = (engine: VenueEngine) => async () => {
      const outcome = await engine.submit('bench', shard, { id: randomUUID(), type: 'row', payload: {} });
      if (!outcome.ok) throw new Error(outcome.refusal.message);
    };
    const pool = (dataSource.driver as PostgresDriver).master as { connect(): Promise<PgClient> };
    const bare = async () => {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await client.query(`INSERT INTO bench.engine_rows (shard, command_id, amount) VALUES ('baseline', $1, 1)`, [randomUUID()]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      } finally {
        client.release();
      }
    };

    await measure('warm-up', { seconds: 1, concurrency: 16, users: 1 }, submit(leader));
    const results: { result: Result; clients: number; batches?: string }[] = [];
    results.push({ result: await measure('baseline: bare pg BEGIN; INSERT one row; COMMIT', { seconds, concurrency: baselineConcurrency, users: 1 }, bare), clients: baselineConcurrency });
    for (const [name, engine] of [
      ['engine, submit on the leader (local queue)', leader],
      ['engine, submit on another instance (stream + reply)', submitter],
    ] as const) {
      metrics.registry.resetMetrics();
      const result = await measure(name, { seconds, concurrency, users: 1 }, submit(engine));
      results.push({ result, clients: concurrency, batches: await batchFigures(metrics) });
    }

    const base = results[0].result.perSecond;
    console.log(`engine bench: ${seconds} s per scenario, one shard, batch ≤ ${config.engineBatchSize} / ${config.engineBatchMs} ms, pipeline depth ${config.enginePipelineDepth}, PostgreSQL ${config.databaseUrl.replace(/\/\/[^@]*@/, '//')}`);
    console.log('| scenario | clients | commands | commands/s | vs baseline | p50 ms | p99 ms | errors | batches: mean size, mean commit ms |');
    console.log('|---|---:|---:|---:|---:|---:|---:|---:|---|');
    for (const { result, clients, batches } of results) {
      console.log(
        `| ${result.name} | ${clients} | ${result.postings} | ${result.perSecond.toFixed(0)} | ${(result.perSecond / base).toFixed(2)} | ${result.p50Ms.toFixed(2)} | ${result.p99Ms.toFixed(2)} | ${result.errors} | ${batches ?? '—'} |`,
      );
    }
  } finally {
    await leader.onModuleDestroy();
    await submitter.onApplicationShutdown();
    await leader.onApplicationShutdown();
    redis.disconnect();
    submitterRedis.disconnect();
    await harness.close();
  }
}

/** Mean batch size and mean batch transaction time, from the leader's own histograms. */
async function batchFigures(metrics: MetricsService): Promise<string> {
  const sumAndCount = async (name: string) => {
    const values = (await (metrics.registry.getSingleMetric(name) as Histogram).get()).values;
    const pick = (suffix: string) => values.filter((value) => value.metricName === `${name}_${suffix}`).reduce((total, value) => total + value.value, 0);
    return { sum: pick('sum'), count: pick('count') };
  };
  const size = await sumAndCount('engine_batch_size');
  const commit = await sumAndCount('engine_batch_commit_seconds');
  if (size.count === 0) return '—';
  return `${(size.sum / size.count).toFixed(1)}, ${((commit.sum / commit.count) * 1000).toFixed(2)} (${size.count} batches)`;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
