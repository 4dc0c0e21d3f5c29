import 'reflect-metadata';
import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import type { Counter, Histogram } from 'prom-client';
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
import { baseline, cpuMeter, CpuPerOperation, measure, parseOptions, Result } from '../ledger/measure';
import type { LiveServerMessage } from '../live/server';

/**
 * One hot prediction market through the venue engine (issue 14): every command goes to the market's shard leader
 * (this process), is applied on the pool and books in memory, committed in a batch and acknowledged after the
 * commit. Against the bare-pg baseline of the same run (BEGIN; UPDATE one row; INSERT one row; COMMIT):
 *   amm     POST /buy's service call: LMSR on the pool in memory, ledger posting, position, trade and price point
 *   orders  place a resting GTC buy far below the price, then cancel it (two order commands per iteration)
 *   spread  the same two over 100 markets, each its own shard (led by this process), the clients going round them
 *
 *   http    POST /api/v1/markets/:id/buy with an Idempotency-Key each, --http-clients clients, against a real server
 *           process (bench/live/server.ts: the whole app, leading the market's shard once the in-process engine let go)
 *
 * Usage: npm run bench:markets:engine [-- --seconds 5 --concurrency 128 --users 200 --http-clients 16 --scenarios amm,orders,spread]
 * (--http-clients 0 skips http). With more clients than ENGINE_BATCH_SIZE (256), e.g. --concurrency 512 --users 1024, a full
 * batch waits while one commits, and batches of resting orders and cancels are applied beside the previous batch's commit
 * (ENGINE_PIPELINE_DEPTH, MarketVenue.overlaps; the batches column counts them). Each engine scenario prints CPU time per command, in this process and in this
 * database's PostgreSQL backends, and statements per command; BENCH_PROFILE=1 also prints PostgreSQL round-trip time
 * by statement for each. Uses DATABASE_URL, REDIS_URL and REDIS_KEY_PREFIX; it adds bench users, a market, trades and orders there.
 * `--scenarios http` runs the HTTP scenario alone. BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=DIR" profiles the HTTP
 * server; BENCH_SERVER_NODE_ARGS="-r ./bench/markets/driver-counts.js" BENCH_SERVER_SIGNALS=1 counts its statements per POST.
 */

/** Markets of the spread scenarios. */
const SPREAD_MARKETS = 100;

/** Every statement the pg driver sends (BEGIN, SAVEPOINT and COMMIT included). */
let statements = 0;
// pg ships no types here; TypeORM's driver loads this same module, so its pool's clients count.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const pgClient = (require('pg') as { Client: { prototype: { query: (...args: unknown[]) => unknown } } }).Client.prototype;
const pgQuery = pgClient.query;
/** With BENCH_PROFILE=1: time in PostgreSQL round trips by statement (its first 70 characters), per scenario. */
const profile = process.env.BENCH_PROFILE === '1' ? new Map<string, { count: number; ms: number }>() : null;
let profiling = false;
pgClient.query = function (this: unknown, ...args: unknown[]) {
  statements++;
  const result = pgQuery.apply(this, args);
  if (profile && profiling && result instanceof Promise) {
    const text = typeof args[0] === 'string' ? args[0] : String((args[0] as { text?: string }).text);
    const key = text.replace(/\s+/g, ' ').slice(0, 70);
    const started = performance.now();
    void result.then(
      () => {
        const entry = profile.get(key) ?? { count: 0, ms: 0 };
        entry.count++;
        entry.ms += performance.now() - started;
        profile.set(key, entry);
      },
      () => undefined,
    );
  }
  return result;
};
async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const concurrency = options.concurrency;
  const httpIndex = process.argv.indexOf('--http-clients');
  const httpClients = httpIndex >= 0 ? Number(process.argv[httpIndex + 1]) : 16;
  const scenariosIndex = process.argv.indexOf('--scenarios');
  const only = scenariosIndex >= 0 ? new Set(process.argv[scenariosIndex + 1].split(',')) : null;
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
    const markets = new MarketsService(dataSource, ledger, config, harness.events, listCache, noJobs, audit, new ApprovalsService(dataSource, audit, config), orders);
    const trading = new MarketTradingService(dataSource, listCache, commands, venue);
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

    // 100 markets spread: each its own shard (led here too), the same clients going round them.
    const spread: string[] = [];
    if (!only || only.has('spread')) {
      for (let index = 0; index < SPREAD_MARKETS; index++) {
        const market = await markets.create(
          { house: true, adminId: admin },
          { question: `Bench spread market ${index} ${Date.now()}?`, category: 'bench', outcomes: ['Yes', 'No', 'Maybe'], closesAt, subsidy: '100000' },
        );
        spread.push(market.id);
        await trading.buy(users[0], market.id, { outcome: 0, amount: '1' });
      }
      while (!spread.every((id) => engine.isLeader(MARKETS_VENUE, id))) await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const spreadOf = (worker: number, iteration: number) => spread[(worker + iteration) % spread.length];
    const spreadBuy = (worker: number, iteration: number) =>
      trading.buy(userOf(worker, iteration), spreadOf(worker, iteration), { outcome: iteration % 3, amount: '1.5' }).then(() => undefined);
    const spreadPlaceAndCancel = async (worker: number, iteration: number) => {
      const userId = userOf(worker, iteration);
      const marketId = spreadOf(worker, iteration);
      const placed = await orders.place(userId, marketId, { outcome: iteration % 3, side: 'buy', price: '0.01', shares: '1', timeInForce: 'GTC' });
      await orders.cancel(userId, marketId, placed.order.id);
    };
    const buy = (worker: number, iteration: number) => trading.buy(userOf(worker, iteration), hot.id, { outcome: iteration % 3, amount: '1.5' }).then(() => undefined);
    const placeAndCancel = async (worker: number, iteration: number) => {
      const userId = userOf(worker, iteration);
      const placed = await orders.place(userId, hot.id, { outcome: iteration % 3, side: 'buy', price: '0.01', shares: '1', timeInForce: 'GTC' });
      await orders.cancel(userId, hot.id, placed.order.id);
    };
    await measure('warm-up', { ...options, seconds: 1 }, buy);

    const results: { result: Result; clients: number; perIteration: number; batches?: string; cpu?: CpuPerOperation; statements?: number }[] = [];
    const query = (sql: string) => dataSource.query(sql);
    // Warm: the baseline's 16 connections open before its CPU is metered (a backend born meanwhile is not counted).
    await baseline(harness, { ...options, seconds: 1, concurrency: 16 });
    const baseCpu = await cpuMeter(query);
    const base = await baseline(harness, { ...options, concurrency: 16 });
    results.push({ result: base, clients: 16, perIteration: 1, cpu: await baseCpu(base.postings) });
    const scenarios: [key: string, name: string, operation: (worker: number, iteration: number) => Promise<void>, perIteration: number][] = [
      ['amm', 'engine, one hot market: AMM buys (POST /buy without HTTP)', buy, 1],
      ['orders', 'engine, one hot market: order commands (place + cancel)', placeAndCancel, 2],
      ['spread', `engine, ${SPREAD_MARKETS} markets spread (a shard each): AMM buys`, spreadBuy, 1],
      ['spread', `engine, ${SPREAD_MARKETS} markets spread (a shard each): order commands (place + cancel)`, spreadPlaceAndCancel, 2],
    ];
    for (const [key, name, operation, perIteration] of scenarios) {
      if (only && !only.has(key)) continue;
      metrics.registry.resetMetrics();
      profile?.clear();
      const statementsBefore = statements;
      const cpu = await cpuMeter(query);
      profiling = true;
      const result = await measure(name, options, operation);
      profiling = false;
      const commands = result.postings * perIteration;
      results.push({ result, clients: concurrency, perIteration, batches: await batchFigures(metrics), cpu: await cpu(commands), statements: (statements - statementsBefore) / Math.max(1, commands) });
      if (profile) {
        console.log(`\n${name}, PostgreSQL round trips (${commands} commands):`);
        for (const [text, entry] of [...profile].sort((a, b) => b[1].ms - a[1].ms).slice(0, 15)) console.log(`  ${entry.ms.toFixed(0).padStart(7)} ms ${String(entry.count).padStart(6)}×  ${text}`);
      }
    }

    // HTTP: the in-process engine lets the market go, a real server process (the whole app) leads it and takes POST /buy.
    await engine.onModuleDestroy();
    await commands.onApplicationShutdown();
    if (httpClients > 0) {
      const result = await httpBuys(options.seconds, httpClients, hot.id);
      results.push({ result: { ...result, name: `HTTP POST /buy (Idempotency-Key each), one hot market, real server` }, clients: httpClients, perIteration: 1 });
    }

    console.log(
      `markets engine bench: ${options.seconds} s per scenario, ${options.users} users, 3-outcome LMSR, batch ≤ ${config.engineBatchSize} / ${config.engineBatchMs} ms, PostgreSQL ${config.databaseUrl.replace(/\/\/[^@]*@/, '//')}`,
    );
    console.log(`load average ${loadavg().map((load) => load.toFixed(2)).join(' ')}`);
    console.log('| scenario | clients | commands | commands/s | vs baseline | p50 ms | p99 ms | errors | batches: mean size, mean commit ms | CPU µs per command: here + PostgreSQL | statements per command |');
    console.log('|---|---:|---:|---:|---:|---:|---:|---:|---|---|---:|');
    for (const { result, clients, perIteration, batches, cpu, statements: perCommand } of results) {
      const perSecond = result.perSecond * perIteration;
      const cpuText = cpu ? `${cpu.processUs.toFixed(0)} (${cpu.systemUs.toFixed(0)} sys) + ${cpu.backendUs === null ? '?' : cpu.backendUs.toFixed(0)}` : '—';
      console.log(
        `| ${result.name} | ${clients} | ${result.postings * perIteration} | ${perSecond.toFixed(0)} | ${(perSecond / base.perSecond).toFixed(2)} | ${result.p50Ms.toFixed(2)} | ${result.p99Ms.toFixed(2)} | ${result.errors} | ${batches ?? '—'} | ${cpuText} | ${perCommand === undefined ? '—' : perCommand.toFixed(2)} |`,
      );
    }
  } finally {
    await engine.onModuleDestroy();
    await engine.onApplicationShutdown();
    redis.disconnect();
    await harness.close();
  }
}

/** Starts bench/live/server.js (the whole app, no feed) and buys on `marketId` through HTTP from `clients` loops. */
async function httpBuys(seconds: number, clients: number, marketId: string): Promise<Result> {
  // BENCH_SERVER_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") profiles the server process.
  const child = fork(join(__dirname, '..', 'live', 'server.js'), [], {
    execArgv: [...process.execArgv, ...(process.env.BENCH_SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? [])],
    env: {
      ...process.env,
      APP_ROLE: 'all',
      ENGINE_ENABLED: 'true',
      ENGINE_LEASE_MS: '2000',
      PRICE_FEED_ENABLED: 'false',
      STARTING_BALANCE: '1000000',
      ROUNDS_ENGINE_ENABLED: 'false',
      RATE_LIMIT_PER_MINUTE: '1000000',
      RATE_LIMIT_AUTH_PER_MINUTE: '1000000',
      RATE_LIMIT_REFRESH_PER_MINUTE: '1000000',
      LOG_LEVEL: 'error',
      BENCH_USERS: String(clients),
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  try {
    const ready = await new Promise<LiveServerMessage>((resolve, reject) => {
      child.once('message', (message: LiveServerMessage) => resolve(message));
      child.once('exit', (code) => reject(new Error(`bench server exited (${code}) before it was ready`)));
    });
    const auth = (token: string) => ({ Authorization: `Bearer ${token}` });
    // Opening the account grants STARTING_BALANCE.
    for (const token of ready.tokens) {
      const response = await fetch(`${ready.url}/api/v1/accounts/me`, { headers: auth(token) });
      if (response.status !== 200) throw new Error(`GET /accounts/me: ${response.status}`);
    }
    const buyOnce = (token: string, iteration: number): Promise<Response> =>
      fetch(`${ready.url}/api/v1/markets/${marketId}/buy`, {
        method: 'POST',
        headers: { ...auth(token), 'Content-Type': 'application/json', 'Idempotency-Key': randomUUID() },
        body: JSON.stringify({ outcome: iteration % 3, amount: '1.5' }),
      });
    // The server leads the shard once a buy answers 201 (the old leader's lease may still run).
    const deadline = Date.now() + 30_000;
    for (;;) {
      const response = await buyOnce(ready.tokens[0], 0);
      const body = await response.text();
      if (response.status === 201) break;
      if (Date.now() > deadline) throw new Error(`POST /buy answered ${response.status} for 30 s: ${body}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const operation = async (worker: number, iteration: number) => {
      const response = await buyOnce(ready.tokens[worker], iteration);
      const body = await response.text();
      if (response.status !== 201) throw new Error(`POST /buy: ${response.status} ${body}`);
    };
    await measure('warm-up', { seconds: 1, concurrency: clients, users: 1 }, operation);
    const cpuBefore = cpuMsOf(child.pid!);
    const metricsBefore = await serverMetrics(ready.url);
    // A preload in BENCH_SERVER_NODE_ARGS may count statements between SIGUSR2 (reset) and SIGUSR1 (write).
    if (process.env.BENCH_SERVER_SIGNALS) child.kill('SIGUSR2');
    const result = await measure('http buys', { seconds, concurrency: clients, users: 1 }, operation);
    if (process.env.BENCH_SERVER_SIGNALS) child.kill('SIGUSR1');
    const cpuMs = cpuMsOf(child.pid!) - cpuBefore;
    console.log(`HTTP server process: ${((cpuMs * 1000) / result.postings).toFixed(0)} µs CPU per request (${cpuMs.toFixed(0)} ms over ${result.postings} requests)`);
    console.log(`HTTP server, means over the window: ${serverTimings(metricsBefore, await serverMetrics(ready.url))}`);
    return result;
  } finally {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    if (child.connected) child.disconnect();
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}

/** The sums and counts of the server's histograms, from its /metrics. */
async function serverMetrics(url: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const totals = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^(\w+_(?:sum|count))(?:\{[^}]*\})? ([\d.e+-]+)$/.exec(line);
    if (match) totals.set(match[1], (totals.get(match[1]) ?? 0) + Number(match[2]));
  }
  return totals;
}

/** Where a request's time went on the server: batch size and transaction, engine submit, whole HTTP request. */
function serverTimings(before: Map<string, number>, after: Map<string, number>): string {
  const mean = (name: string, scale: number) => {
    const count = (after.get(`${name}_count`) ?? 0) - (before.get(`${name}_count`) ?? 0);
    const sum = (after.get(`${name}_sum`) ?? 0) - (before.get(`${name}_sum`) ?? 0);
    return count > 0 ? ((sum / count) * scale).toFixed(2) : '—';
  };
  return [
    `batch size ${mean('engine_batch_size', 1)}`,
    `batch transaction ${mean('engine_batch_commit_seconds', 1000)} ms`,
    `engine submit ${mean('engine_submit_seconds', 1000)} ms`,
    `HTTP request ${mean('http_request_duration_seconds', 1000)} ms`,
  ].join(', ');
}

/** A process's user + system CPU time so far, in ms (Linux /proc; 0 elsewhere). */
function cpuMsOf(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return 0;
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
  const overlapped = (await (metrics.registry.getSingleMetric('engine_batches_overlapped_total') as Counter).get()).values.reduce((total, value) => total + value.value, 0);
  return `${(size.sum / size.count).toFixed(1)}, ${((commit.sum / commit.count) * 1000).toFixed(2)} (${size.count} batches, ${overlapped} overlapped)`;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
