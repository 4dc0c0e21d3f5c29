import 'reflect-metadata';
import { createInterface } from 'node:readline';
import Redis from 'ioredis';
import { EngineMetrics } from '../../src/engine/engine-metrics';
import { VenueEngine } from '../../src/engine/venue-engine.service';
import { MetricsService } from '../../src/health/metrics.service';
import { openLedgerHarness } from '../ledger/harness';
import { RowVenue } from './row-venue';

/**
 * One venue engine process running the bench row venue (one row in bench.engine_rows per applied command) on
 * one shard, for `test/engine-crash.e2e-spec.ts`, which runs two of them and SIGKILLs the shard's leader under load.
 * It boots only what the engine needs (PostgreSQL, Redis, VenueEngine), not the whole app.
 *
 * Speaks JSON lines: stdin takes `{"id": "..."}` (submit a command with that id); stdout prints `READY`,
 * `LEADING true|false` on each leadership change, and `OUTCOME {"id", "ok", "status"?, "result"?}` per answer.
 * Other stdout lines are logs. Closing stdin or SIGTERM shuts it down cleanly (the lease is freed).
 *
 * Usage: node dist/bench/engine/crash-worker.js <shard>   (DATABASE_URL, REDIS_URL, REDIS_KEY_PREFIX, ENGINE_*)
 */
async function main(): Promise<void> {
  const [shard] = process.argv.slice(2);
  if (!shard) throw new Error('usage: crash-worker <shard>');
  const harness = await openLedgerHarness({ APP_ROLE: 'engine', ENGINE_ENABLED: 'true' });
  const redis = new Redis(harness.config.redisUrl, { maxRetriesPerRequest: 3 });
  const engine = new VenueEngine(harness.dataSource, redis, harness.config, new EngineMetrics(new MetricsService()));
  engine.register(new RowVenue([shard]));
  engine.onLeadership('bench', ({ leading }) => process.stdout.write(`LEADING ${leading}\n`));
  engine.onApplicationBootstrap();

  let stopping: Promise<void> | null = null;
  const stop = () =>
    (stopping ??= (async () => {
      await engine.onModuleDestroy();
      await engine.onApplicationShutdown();
      redis.disconnect();
      await harness.close();
      process.exit(0);
    })());
  process.on('SIGTERM', () => void stop());

  const lines = createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    const { id } = JSON.parse(line) as { id: string };
    void engine.submit('bench', shard, { id, type: 'row', payload: {} }).then((outcome) => {
      const answer = outcome.ok ? { id, ok: true, result: outcome.result } : { id, ok: false, status: outcome.refusal.status, error: outcome.refusal.error };
      process.stdout.write(`OUTCOME ${JSON.stringify(answer)}\n`);
    });
  });
  lines.on('close', () => void stop());
  process.stdout.write('READY\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
