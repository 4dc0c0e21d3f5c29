import 'reflect-metadata';
import Redis from 'ioredis';
import type { Histogram } from 'prom-client';
import { ApprovalsService } from '../../src/admin/approvals.service';
import { AuditService } from '../../src/admin/audit.service';
import { CreatorEarnings } from '../../src/creators/creator-earnings.service';
import { EngineMetrics } from '../../src/engine/engine-metrics';
import { VenueEngine } from '../../src/engine/venue-engine.service';
import { MetricsService } from '../../src/health/metrics.service';
import { MarketJobs } from '../../src/markets/market-jobs';
import { MarketListCache } from '../../src/markets/market-list.cache';
import { MarketOrdersService } from '../../src/markets/market-orders.service';
import { MarketTradingService } from '../../src/markets/market-trading.service';
import { MarketsService } from '../../src/markets/markets.service';
import { MARKETS_VENUE } from '../../src/markets/venue/market-commands';
import { MarketCommands } from '../../src/markets/venue/market-commands.service';
import { MarketVenue } from '../../src/markets/venue/market-venue';
import { openLedgerHarness } from '../ledger/harness';
import { baseline, measure, parseOptions, Result } from '../ledger/measure';

/**
 * One hot prediction market through the venue engine (issue 14): every command goes to the market's shard leader
 * (this process), is applied on the pool and books in memory, committed in a batch and acknowledged after the
 * commit. Against the bare-pg baseline of the same run (BEGIN; UPDATE one row; INSERT one row; COMMIT):
 *   amm     POST /buy's service call: LMSR on the pool in memory, ledger posting, position, trade and price point
 *   orders  place a resting GTC buy far below the price, then cancel it (two order commands per iteration)
 *
 * Usage: npm run bench:markets:engine [-- --seconds 5 --concurrency 128 --users 200]
 * Uses DATABASE_URL, REDIS_URL and REDIS_KEY_PREFIX; it adds bench users, a market, trades and orders there.
 */
async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const concurrency = options.concurrency;
  const harness = await openLedgerHarness({ DATABASE_POOL_SIZE: '20', LOG_LEVEL: 'error', STARTING_BALANCE: '1000000', APP_ROLE: 'all', ENGINE_ENABLED: 'true' });
  const { config, dataSource } = harness;
  const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 3 });
  const metrics = new MetricsService();
  const engine = new VenueEngine(dataSource, redis, config, new EngineMetrics(metrics));
  try {
    const ledger = harness.ledgerWith({ STARTING_BALANCE: '1000000' });
    const listCache = new MarketListCache(redis, config);
    const noJobs = { scheduleClose: async () => undefined, enqueueSettlement: async () => undefined, scheduleOrderExpiry: async () => undefined } as unknown as MarketJobs;
    const creatorEarnings = new CreatorEarnings(config);
    const venue = new MarketVenue(ledger, harness.events, config, creatorEarnings);
    const commands = new MarketCommands(dataSource, venue, config, engine);
    const orders = new MarketOrdersService(dataSource, listCache, noJobs, commands, venue);
    const audit = new AuditService(dataSource);
    const markets = new MarketsService(dataSource, ledger, config, harness.events, listCache, noJobs, audit, new ApprovalsService(dataSource, audit), orders);
    const trading = new MarketTradingService(dataSource, listCache, commands);
    commands.onModuleInit();
    await commands.onApplicationBootstrap();
    engine.onApplicationBootstrap();

    const users = await harness.createUsers(options.users);
    for (const userId of users) await dataSource.transaction((manager) => ledger.openUserAccount(manager, userId));
    const [admin] = await harness.createUsers(1);
    const closesAt = new Date(Date.now() + 24 * 3600_000).toISOString();
    const hot = await markets.create(
      { house: true, adminId: admin },
      { question: `Bench engine market ${Date.now()}?`, category: 'bench', outcomes: ['Yes', 'No', 'Maybe'], closesAt, subsidy: '100000' },
    );
    const userOf = (worker: number, iteration: number) => users[(worker + iteration * concurrency) % users.length];
    // The first command lists the market and wakes the lease pass; wait until this process leads its shard.
    await trading.buy(users[0], hot.id, { outcome: 0, amount: '1' });
    while (!engine.isLeader(MARKETS_VENUE, hot.id)) await new Promise((resolve) => setTimeout(resolve, 10));

    const buy = (worker: number, iteration: number) => trading.buy(userOf(worker, iteration), hot.id, { outcome: iteration % 3, amount: '1.5' }).then(() => undefined);
    const placeAndCancel = async (worker: number, iteration: number) => {
      const userId = userOf(worker, iteration);
      const placed = await orders.place(userId, hot.id, { outcome: iteration % 3, side: 'buy', price: '0.01', shares: '1', timeInForce: 'GTC' });
      await orders.cancel(userId, hot.id, placed.order.id);
    };
    await measure('warm-up', { ...options, seconds: 1 }, buy);

    const results: { result: Result; clients: number; perIteration: number; batches?: string }[] = [];
    const base = await baseline(harness, { ...options, concurrency: 16 });
    results.push({ result: base, clients: 16, perIteration: 1 });
    for (const [name, operation, perIteration] of [
      ['engine, one hot market: AMM buys (POST /buy without HTTP)', buy, 1],
      ['engine, one hot market: order commands (place + cancel)', placeAndCancel, 2],
    ] as const) {
      metrics.registry.resetMetrics();
      const result = await measure(name, options, operation);
      results.push({ result, clients: concurrency, perIteration, batches: await batchFigures(metrics) });
    }

    console.log(
      `markets engine bench: ${options.seconds} s per scenario, ${options.users} users, 3-outcome LMSR, batch ≤ ${config.engineBatchSize} / ${config.engineBatchMs} ms, PostgreSQL ${config.databaseUrl.replace(/\/\/[^@]*@/, '//')}`,
    );
    console.log('| scenario | clients | commands | commands/s | vs baseline | p50 ms | p99 ms | errors | batches: mean size, mean commit ms |');
    console.log('|---|---:|---:|---:|---:|---:|---:|---:|---|');
    for (const { result, clients, perIteration, batches } of results) {
      const perSecond = result.perSecond * perIteration;
      console.log(
        `| ${result.name} | ${clients} | ${result.postings * perIteration} | ${perSecond.toFixed(0)} | ${(perSecond / base.perSecond).toFixed(2)} | ${result.p50Ms.toFixed(2)} | ${result.p99Ms.toFixed(2)} | ${result.errors} | ${batches ?? '—'} |`,
      );
    }
  } finally {
    await engine.onModuleDestroy();
    await engine.onApplicationShutdown();
    redis.disconnect();
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
