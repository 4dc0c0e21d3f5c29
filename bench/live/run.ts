import 'reflect-metadata';
import { fork } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { randomBytes, randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { EventEmitter2 } from '@nestjs/event-emitter';
import Redis from 'ioredis';
import type { Histogram } from 'prom-client';
import type { DataSource, EntityManager } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { LedgerService, SystemAccount } from '../../src/accounts/ledger.service';
import { DomainEventBus } from '../../src/common/events/domain-event-bus';
import { EngineMetrics } from '../../src/engine/engine-metrics';
import type { BatchContext, CommandOutcome, EngineCommand, VenueShard } from '../../src/engine/venue';
import { VenueEngine } from '../../src/engine/venue-engine.service';
import { MetricsService } from '../../src/health/metrics.service';
import { formatPrice, parsePrice } from '../../src/trades/core/price';
import { PerpCandles } from '../../src/trades/feed/perp-candles.service';
import type { PerpPrices } from '../../src/trades/feed/perp-prices';
import { TradesEvent, type PerpPositionTriggeredEvent } from '../../src/trades/trades.events';
import type { PriceQuote } from '../../src/trades/feed/price-quote';
import { perpEngineOf } from '../../src/trades/perps-venue.providers';
import { PERPS_VENUE, PerpCommandType, type OpenPayload, type TickPayload } from '../../src/trades/venue/perp-commands';
import { PerpTriggerDriver } from '../../src/trades/venue/perp-trigger-driver';
import { PerpVenue, type PerpShardState, type TickResult } from '../../src/trades/venue/perp-venue';
import type { PerpMarketCatalog, PerpMarketRules, PerpPriceBoard } from '../../src/trades/venue/perp-venue-deps';
import { openLedgerHarness } from '../ledger/harness';
import { measure, type Result } from '../ledger/measure';
import { BENCH_ROWS_DDL } from '../engine/row-venue';
import type { LiveServerMessage } from './server';

/**
 * Live markets, in one run, against the bare single-row pg transaction (BEGIN; INSERT one row; COMMIT) on the
 * same PostgreSQL and driver:
 *   1. quiet tick   the venue's `tick` command when nothing fires, with --entries open positions and orders
 *                   (seeded by multi-row INSERTs, spread over 4 symbols) loaded in the shards' state: submit to
 *                   answer through the engine (applyWithoutWrites: no transaction), the venue's part alone, and
 *                   the pure index lookup
 *   2. stop close   a quote crossing one stop-loss → its close committed (quote handed to the board, the
 *                   PerpTriggerDriver submits the tick, timed to the after-commit notification)
 *   3. engine opens VenueEngine.submit on the leader, one symbol, --concurrency clients, each acknowledged
 *                   after its batch committed; statements per open counted at the pg driver
 *   4. HTTP opens   POST /api/v1/trades (Idempotency-Key on each) at --http-clients clients against a real
 *                   server process (bench/live/server.ts: the whole app, the simulator feed)
 *
 * Usage: npm run bench:live [-- --seconds 5 --entries 100000 --ticks 2000 --closes 300 --concurrency 256 --http-clients 16] (--http-clients 0 skips scenario 4)
 * Uses DATABASE_URL, REDIS_URL and REDIS_KEY_PREFIX; symbols of its own (`BTCB<run>_USDC_PERP`), seeded rows deleted at the end.
 */

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? Number(process.argv[index + 1]) : fallback;
}

const RUN = randomBytes(3).toString('hex').toUpperCase();
const BASES = ['BTC', 'ETH', 'SOL', 'ADA'];
const SYMBOLS = BASES.map((base) => `${base}B${RUN}_USDC_PERP`);
const CENTRES = ['65000', '3200', '150', '0.45'];
const RULES: PerpMarketRules = { maxLeverage: 50, takerFeeBps: 5, maintenanceMarginBps: 50, minMargin: 1_000_000n, halted: false };

/** The feed as the bench drives it; `set` without telling the listeners (no tick), `quote` as the feed does. */
class BenchBoard implements PerpPriceBoard {
  private readonly quotes = new Map<string, PriceQuote>();
  private readonly listeners = new Set<(quote: PriceQuote) => void>();
  private updateId = 0;
  readonly staleMs = 5000;

  isKnown(symbol: string): boolean {
    return SYMBOLS.includes(symbol);
  }
  assertKnown(symbol: string): void {
    if (!this.isKnown(symbol)) throw new Error(`unknown symbol ${symbol}`);
  }
  latest(symbol: string): PriceQuote | null {
    return this.quotes.get(symbol) ?? null;
  }
  isStale(symbol: string, now = Date.now()): boolean {
    const quote = this.quotes.get(symbol);
    return !quote || now - quote.receivedAt > this.staleMs;
  }
  onQuote(listener: (quote: PriceQuote) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  set(symbol: string, bid: string, ask: string): PriceQuote {
    const now = Date.now();
    const quote: PriceQuote = { symbol, bid, ask, bidSize: '1', askSize: '1', updateId: ++this.updateId, exchangeTime: now, receivedAt: now };
    this.quotes.set(symbol, quote);
    return quote;
  }
  quote(symbol: string, bid: string, ask: string): PriceQuote {
    const quote = this.set(symbol, bid, ask);
    for (const listener of this.listeners) listener(quote);
    return quote;
  }
}

const catalog: PerpMarketCatalog = { rules: (symbol) => Promise.resolve(SYMBOLS.includes(symbol) ? RULES : undefined), isTraded: (symbol) => SYMBOLS.includes(symbol), symbols: () => SYMBOLS };

/** `price × (1 + bps / 10 000)` in price units, as a decimal string. */
const moved = (price: string, bps: number) => formatPrice((parsePrice(price) * BigInt(10_000 + bps)) / 10_000n);
const spreadOf = (price: string) => parsePrice(price) / 100_000n || 1n;
const quoteNear = (centre: string, bps: number) => {
  const bid = moved(centre, bps);
  return { bid, ask: formatPrice(parsePrice(bid) + spreadOf(centre)) };
};

/** Every statement the pg driver sends (BEGIN, SAVEPOINT and COMMIT included). */
let statements = 0;
// pg ships no types here; TypeORM's driver loads this same module, so its pool's clients count.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const pgClient = (require('pg') as { Client: { prototype: { query: (...args: unknown[]) => unknown } } }).Client.prototype;
const pgQuery = pgClient.query;
/** With BENCH_PROFILE=1: time in PostgreSQL round trips by statement (its first 70 characters), printed after scenario 3. */
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

interface Row {
  scenario: string;
  count: string;
  perSecond?: number;
  p50: number;
  p99: number;
  note: string;
}

function percentiles(samples: number[]): { p50: number; p99: number; max: number } {
  samples.sort((a, b) => a - b);
  const at = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))] ?? 0;
  return { p50: at(0.5), p99: at(0.99), max: samples[samples.length - 1] ?? 0 };
}

interface PgClient {
  query(sql: string, params?: unknown[]): Promise<unknown>;
  release(): void;
}

async function main(): Promise<void> {
  const seconds = option('seconds', 5);
  const entries = option('entries', 100_000);
  const ticks = option('ticks', 2_000);
  const closes = option('closes', 300);
  const concurrency = option('concurrency', 256);
  const baselineConcurrency = option('baseline-concurrency', 16);
  const httpClients = option('http-clients', 16);
  const loadAtStart = loadavg();
  const startedAt = new Date();
  const harness = await openLedgerHarness({ DATABASE_POOL_SIZE: String(baselineConcurrency + 4), LOG_LEVEL: 'error', APP_ROLE: 'all', ENGINE_ENABLED: 'true' });
  const { config, dataSource } = harness;
  const pool = (dataSource.driver as PostgresDriver).master as { connect(): Promise<PgClient> };
  const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 3 });
  const emitter = new EventEmitter2();
  const events = new DomainEventBus(emitter, dataSource);
  const ledger = new LedgerService(dataSource, harness.assets, config, events);
  const board = new BenchBoard();
  const venue = new PerpVenue(ledger, events, board, catalog, new PerpCandles(dataSource, board as unknown as PerpPrices));

  // The venue as the engine sees it, plus the timings: the state each shard loaded, and applyBatch of lone ticks.
  const states = new Map<string, PerpShardState>();
  const loadMs = new Map<string, number>();
  /** applyWithoutWrites of ticks answered without a batch; ticks that went through a batch instead. */
  const tickApplyMs: number[] = [];
  let ticksInBatches = 0;
  /** Batches applied while the previous one had not committed yet (ENGINE_PIPELINE_DEPTH > 1). */
  let overlappedBatches = 0;
  const shard: VenueShard<PerpShardState> = {
    load: async (manager: EntityManager, symbol: string) => {
      const started = performance.now();
      const state = await venue.load(manager, symbol);
      loadMs.set(symbol, performance.now() - started);
      states.set(symbol, state);
      return state;
    },
    applyBatch: async (manager: EntityManager, state: PerpShardState, commands: EngineCommand[], symbol: string, context?: BatchContext): Promise<CommandOutcome[]> => {
      ticksInBatches += commands.filter((command) => command.type === PerpCommandType.Tick).length;
      if (context?.overlapped) overlappedBatches++;
      return venue.applyBatch(manager, state, commands, symbol, context);
    },
    overlaps: (commands: EngineCommand[]) => venue.overlaps(commands),
    applyWithoutWrites: (state: PerpShardState, command: EngineCommand): CommandOutcome | null => {
      const started = performance.now();
      const outcome = venue.applyWithoutWrites(state, command);
      if (outcome) tickApplyMs.push(performance.now() - started);
      return outcome;
    },
  };
  const metrics = new MetricsService();
  const engine = new VenueEngine(dataSource, redis, config, new EngineMetrics(metrics));
  const perps = perpEngineOf(engine);
  const driver = new PerpTriggerDriver(perps, board);
  const rows: Row[] = [];
  let seeded = false;
  let refresher: NodeJS.Timeout | undefined;
  let engineStopped = false;
  const stopEngine = async () => {
    if (engineStopped) return;
    engineStopped = true;
    await engine.onModuleDestroy();
    await engine.onApplicationShutdown();
  };

  try {
    for (const statement of BENCH_ROWS_DDL) await dataSource.query(statement);

    // ---- seed: open positions and orders 2-20% away from the price, nothing a ±0.3% quote crosses ----
    const seedStarted = performance.now();
    const owners = await harness.createUsers(1000);
    seeded = true;
    const positionsPerSymbol = Math.round((entries * 0.7) / SYMBOLS.length);
    const ordersPerSymbol = Math.round(entries / SYMBOLS.length) - positionsPerSymbol;
    for (const [s, symbol] of SYMBOLS.entries()) {
      const centre = CENTRES[s];
      // n odd: long (liquidation and stop below, take-profit above); even: short, mirrored. Leverage 10, margin 10 USDC.
      await dataSource.query(
        `INSERT INTO perp_positions (id, user_id, symbol, side, status, margin, leverage, notional, entry_price, maintenance_margin_bps,
                                     liquidation_price, stop_loss, take_profit, open_fee, taker_fee_bps, opened_at)
         SELECT gen_random_uuid(), ($4::uuid[])[1 + n % array_length($4::uuid[], 1)], $1, CASE WHEN n % 2 = 1 THEN 'long' ELSE 'short' END, 'open',
                10000000, 10, 100000000, $2::numeric, 50,
                round($2::numeric * (1 + d * (0.05 + (n % 150) / 1000.0)), 8),
                CASE WHEN n % 5 < 3 THEN round($2::numeric * (1 + d * (0.02 + (n % 20) / 1000.0)), 8) END,
                CASE WHEN n % 5 BETWEEN 1 AND 3 THEN round($2::numeric * (1 - d * (0.02 + (n % 180) / 1000.0)), 8) END,
                50000, 5, now()
           FROM generate_series(1, $3::int) AS n, LATERAL (SELECT CASE WHEN n % 2 = 1 THEN -1 ELSE 1 END AS d) AS dir`,
        [symbol, centre, positionsPerSymbol, owners],
      );
      // Limits wait below the price for a long (above for a short), stops the other way, 2-10% away.
      await dataSource.query(
        `INSERT INTO perp_orders (id, user_id, symbol, side, type, price, margin, leverage, held_fee, taker_fee_bps, maintenance_margin_bps, status, created_at)
         SELECT gen_random_uuid(), ($4::uuid[])[1 + n % array_length($4::uuid[], 1)], $1, CASE WHEN n % 2 = 1 THEN 'long' ELSE 'short' END,
                CASE WHEN n % 4 < 2 THEN 'limit' ELSE 'stop' END,
                round($2::numeric * (1 + (CASE WHEN (n % 2 = 1) = (n % 4 < 2) THEN -1 ELSE 1 END) * (0.02 + (n % 80) / 1000.0)), 8),
                10000000, 10, 50000, 5, 50, 'open', now()
           FROM generate_series(1, $3::int) AS n`,
        [symbol, centre, ordersPerSymbol, owners],
      );
    }
    const seedMs = performance.now() - seedStarted;

    for (const [s, symbol] of SYMBOLS.entries()) board.set(symbol, CENTRES[s], formatPrice(parsePrice(CENTRES[s]) + spreadOf(CENTRES[s])));
    // Opens need a fresh quote; this keeps every symbol's quote fresh at its last price without raising a tick.
    refresher = setInterval(() => {
      for (const symbol of SYMBOLS) {
        const latest = board.latest(symbol);
        if (latest) board.set(symbol, latest.bid, latest.ask);
      }
    }, 500);
    engine.register({ venue: PERPS_VENUE, shards: () => SYMBOLS, shard });
    const takeoverStarted = performance.now();
    engine.onApplicationBootstrap();
    while (!SYMBOLS.every((symbol) => engine.isLeader(PERPS_VENUE, symbol))) await new Promise((resolve) => setTimeout(resolve, 10));
    const takeoverMs = performance.now() - takeoverStarted;
    const loaded = SYMBOLS.reduce((sum, symbol) => sum + (states.get(symbol)!.positions.size + states.get(symbol)!.orders.size), 0);
    const legs = SYMBOLS.reduce((sum, symbol) => sum + states.get(symbol)!.triggers.legCount, 0);

    // ---- baseline ----
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
    await measure('warm-up', { seconds: 1, concurrency: baselineConcurrency, users: 1 }, bare);
    const baselineCpu = await cpuMeter(dataSource);
    const baseline = await measure('baseline', { seconds, concurrency: baselineConcurrency, users: 1 }, bare);
    const baselineCost = await baselineCpu(baseline.postings);
    const serial = await measure('baseline serial', { seconds: Math.min(seconds, 3), concurrency: 1, users: 1 }, bare);
    rows.push({ scenario: `baseline: bare pg BEGIN; INSERT one row; COMMIT, ${baselineConcurrency} clients`, count: String(baseline.postings), perSecond: baseline.perSecond, p50: baseline.p50Ms, p99: baseline.p99Ms, note: baselineCost });
    rows.push({ scenario: 'baseline: the same, 1 client (latency floor of a commit)', count: String(serial.postings), perSecond: serial.perSecond, p50: serial.p50Ms, p99: serial.p99Ms, note: '' });

    // ---- 1. quiet ticks ----
    const tick = async (symbol: string, bid: string, ask: string): Promise<TickResult> => {
      const quote = board.set(symbol, bid, ask);
      const payload: TickPayload = { bid, ask, updateId: quote.updateId, receivedAt: quote.receivedAt };
      const submitted = perps.submitLocal(symbol, { type: PerpCommandType.Tick, payload });
      if (submitted === false) throw new Error(`not leading ${symbol}`);
      const outcome = await submitted;
      if (!outcome.ok) throw new Error(`tick refused: ${outcome.refusal.message}`);
      return outcome.result as TickResult;
    };
    const wobble = (t: number) => ((t * 7919) % 61) - 30; // −30..+30 bps
    for (let t = 0; t < 200; t++) {
      const { bid, ask } = quoteNear(CENTRES[t % 4], wobble(t));
      await tick(SYMBOLS[t % 4], bid, ask);
    }
    tickApplyMs.length = 0;
    ticksInBatches = 0;
    const tickMs: number[] = [];
    let fired = 0;
    const statementsBeforeTicks = statements;
    for (let t = 0; t < ticks; t++) {
      const s = t % SYMBOLS.length;
      const { bid, ask } = quoteNear(CENTRES[s], wobble(t));
      const started = performance.now();
      const result = await tick(SYMBOLS[s], bid, ask);
      tickMs.push(performance.now() - started);
      fired += result.closed.length + result.filled.length + result.expired.length;
    }
    const statementsPerTick = (statements - statementsBeforeTicks) / ticks;
    const indexMs: number[] = [];
    for (let t = 0; t < ticks * 5; t++) {
      const s = t % SYMBOLS.length;
      const { bid, ask } = quoteNear(CENTRES[s], wobble(t));
      const started = performance.now();
      fired += states.get(SYMBOLS[s])!.triggers.crossed(parsePrice(bid), parsePrice(ask)).length;
      indexMs.push(performance.now() - started);
    }
    if (fired > 0) throw new Error(`the quiet ticks fired ${fired} triggers`);
    const tickFigures = percentiles(tickMs);
    const applyFigures = percentiles(tickApplyMs);
    const indexFigures = percentiles(indexMs);
    rows.push({
      scenario: '1. quiet tick: submitLocal → answered (engine)',
      count: String(ticks),
      p50: tickFigures.p50,
      p99: tickFigures.p99,
      note: `max ${tickFigures.max.toFixed(2)} ms; ${statementsPerTick.toFixed(1)} statements per tick; ${tickApplyMs.length} answered without a batch, ${ticksInBatches} in batches`,
    });
    rows.push({ scenario: '1. quiet tick: PerpVenue.applyWithoutWrites alone', count: String(tickApplyMs.length), p50: applyFigures.p50, p99: applyFigures.p99, note: 'expiry scan + trigger index lookup, no transaction' });
    rows.push({ scenario: '1. quiet tick: trigger index lookup alone (pure)', count: String(indexMs.length), p50: indexFigures.p50, p99: indexFigures.p99, note: `max ${(indexFigures.max * 1000).toFixed(0)} µs` });

    // ---- funded users ----
    const fund = async (count: number, usdc: bigint): Promise<string[]> => {
      const users = await harness.createUsers(count);
      await dataSource.transaction(async (manager) => {
        for (const userId of users) {
          await ledger.openUserAccount(manager, userId);
          await ledger.credit(manager, userId, usdc, { kind: 'bench.grant', reference: `user:${userId}`, idempotencyKey: `bench-grant:${userId}`, from: SystemAccount.promotions });
        }
      });
      return users;
    };
    const open = async (symbol: string, userId: string, payload: Omit<OpenPayload, 'fingerprint' | 'slippageBps'>): Promise<{ id: string }> => {
      const outcome = await perps.submit(symbol, { id: randomUUID(), type: PerpCommandType.Open, userId, payload: { ...payload, slippageBps: 50, fingerprint: 'bench' } });
      if (!outcome.ok) throw new Error(`open refused: ${outcome.refusal.error} ${outcome.refusal.message}`);
      return (outcome.result as { value: { id: string } }).value;
    };

    // ---- 2. a quote crossing one stop → its close committed ----
    driver.onModuleInit();
    const [trader] = await fund(1, 1_000_000_000_000n);
    const stopSymbol = SYMBOLS[0];
    const stopMs: number[] = [];
    for (let r = 0; r < closes + 20; r++) {
      const centre = quoteNear(CENTRES[0], 0);
      board.quote(stopSymbol, centre.bid, centre.ask);
      const position = await open(stopSymbol, trader, { side: 'long', margin: '10000000', leverage: 10, stopLoss: parsePrice(moved(CENTRES[0], -80)).toString() });
      // The trigger's domain event is delivered after the close committed (the notification itself is the notifications module's, not in this bench).
      const closed = new Promise<void>((resolve) => {
        const listener = (payload: PerpPositionTriggeredEvent) => {
          if (payload.positionId !== position.id) return;
          emitter.off(TradesEvent.PositionTriggered, listener);
          resolve();
        };
        emitter.on(TradesEvent.PositionTriggered, listener);
      });
      const crossing = quoteNear(CENTRES[0], -100);
      const started = performance.now();
      board.quote(stopSymbol, crossing.bid, crossing.ask);
      await closed;
      if (r >= 20) stopMs.push(performance.now() - started);
    }
    const centreQuote = quoteNear(CENTRES[0], 0);
    board.quote(stopSymbol, centreQuote.bid, centreQuote.ask);
    driver.onModuleDestroy();
    const stopFigures = percentiles(stopMs);
    rows.push({ scenario: '2. stop: quote crossing one stop → close committed', count: String(stopMs.length), p50: stopFigures.p50, p99: stopFigures.p99, note: `max ${stopFigures.max.toFixed(2)} ms; ${(loaded / SYMBOLS.length).toLocaleString('en')} entries in the shard` });

    // ---- 3. engine opens on one symbol ----
    const openSymbol = SYMBOLS[1];
    const openers = await fund(concurrency, 1_000_000_000_000n);
    const openOne = (worker: number) => open(openSymbol, openers[worker], { side: worker % 2 === 0 ? 'long' : 'short', margin: '10000000', leverage: 10 }).then(() => undefined);
    await measure('warm-up', { seconds: 1, concurrency, users: 1 }, openOne);
    // Statements per open with each open alone in its batch, then under load.
    const aloneBefore = statements;
    for (let i = 0; i < 50; i++) await openOne(i % concurrency);
    const statementsPerLoneOpen = (statements - aloneBefore) / 50;
    metrics.registry.resetMetrics();
    const loadBefore = statements;
    overlappedBatches = 0;
    profiling = true;
    const opensCpu = await cpuMeter(dataSource);
    const opens = await measure('engine opens', { seconds, concurrency, users: 1 }, openOne);
    const opensCost = await opensCpu(opens.postings);
    profiling = false;
    if (profile) {
      console.log(`\nscenario 3, PostgreSQL round trips (${opens.postings} opens):`);
      for (const [key, entry] of [...profile].sort((a, b) => b[1].ms - a[1].ms).slice(0, 15)) console.log(`  ${entry.ms.toFixed(0).padStart(7)} ms ${String(entry.count).padStart(6)}×  ${key}`);
    }
    const statementsPerOpen = (statements - loadBefore) / opens.postings;
    const batches = await batchFigures(metrics);
    rows.push({
      scenario: `3. engine opens, VenueEngine.submit on the leader, ${concurrency} clients`,
      count: String(opens.postings),
      perSecond: opens.perSecond,
      p50: opens.p50Ms,
      p99: opens.p99Ms,
      note: `${(opens.perSecond / baseline.perSecond).toFixed(2)}× baseline; errors ${opens.errors}; batches: ${batches}, ${overlappedBatches} overlapped; ${statementsPerOpen.toFixed(2)} statements per open under load, ${statementsPerLoneOpen.toFixed(1)} alone in its batch; ${opensCost}`,
    });
    clearInterval(refresher);
    refresher = undefined;
    await stopEngine();

    // ---- 4. HTTP opens against a real server ----
    if (httpClients > 0) {
      const http = await httpOpens(seconds, httpClients);
      rows.push({ scenario: `4. HTTP opens, POST /api/v1/trades + Idempotency-Key, ${httpClients} clients`, count: String(http.postings), perSecond: http.perSecond, p50: http.p50Ms, p99: http.p99Ms, note: `${(http.perSecond / baseline.perSecond).toFixed(2)}× baseline; errors ${http.errors}` });
    }

    const loadAtEnd = loadavg();
    console.log(
      `\nLive markets bench, ${startedAt.toISOString()}: ${loaded.toLocaleString('en')} open positions and orders over ${SYMBOLS.length} symbols (${legs.toLocaleString('en')} trigger legs), seeded in ${(seedMs / 1000).toFixed(1)} s, shards loaded in ${(takeoverMs / 1000).toFixed(1)} s (largest load ${Math.max(...loadMs.values()).toFixed(0)} ms); ` +
        `batch ≤ ${config.engineBatchSize} / ${config.engineBatchMs} ms, pipeline depth ${config.enginePipelineDepth}; node ${process.version}; load average ${loadAtStart.map((l) => l.toFixed(2)).join(' ')} at start, ${loadAtEnd.map((l) => l.toFixed(2)).join(' ')} at end\n`,
    );
    console.log('| scenario | count | per s | p50 ms | p99 ms | notes |');
    console.log('|---|---:|---:|---:|---:|---|');
    for (const row of rows) {
      console.log(`| ${row.scenario} | ${row.count} | ${row.perSecond === undefined ? '—' : row.perSecond.toFixed(0)} | ${row.p50.toFixed(3)} | ${row.p99.toFixed(3)} | ${row.note} |`);
    }
    console.log('\nTargets: quiet tick p99 < 1 ms; tick-to-committed stop close p99 < 50 ms; engine opens ≥ 5× baseline.');
  } finally {
    if (refresher) clearInterval(refresher);
    driver.onModuleDestroy();
    await stopEngine();
    redis.disconnect();
    if (seeded) {
      // The seeded rows have no ledger holds behind them: they must not outlive the run.
      await dataSource.query(`DELETE FROM perp_orders WHERE symbol = ANY($1) AND position_id IS NULL AND status = 'open'`, [SYMBOLS]);
      await dataSource.query(`DELETE FROM perp_positions p WHERE symbol = ANY($1) AND NOT EXISTS (SELECT 1 FROM perp_fills f WHERE f.position_id = p.id)`, [SYMBOLS]);
    }
    await harness.close();
  }
}

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ: 100 on Linux). */
const CLOCK_TICKS = 100;

/** CPU milliseconds so far of each of this database's PostgreSQL backends, by pid (PostgreSQL on this machine, read from /proc), or null. */
async function backendCpuMs(dataSource: DataSource): Promise<Map<number, number> | null> {
  const backends = (await dataSource.query(`SELECT pid FROM pg_stat_activity WHERE datname = current_database()`)) as { pid: number }[];
  const used = new Map<number, number>();
  for (const { pid } of backends) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      used.set(pid, ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS); // utime + stime
    } catch {
      if (existsSync(`/proc/${pid}`)) return null; // not readable: PostgreSQL runs elsewhere
    }
  }
  return used;
}

/**
 * CPU time per operation over a scenario, in this process and in PostgreSQL's backends: unlike throughput, it
 * hardly moves with what else the shared machine runs, so it compares builds measured at different loads.
 * Only backends alive at both ends count (the pool keeps its connections; one it closed meanwhile is left out).
 */
async function cpuMeter(dataSource: DataSource): Promise<(operations: number) => Promise<string>> {
  const processBefore = process.cpuUsage();
  const backendsBefore = await backendCpuMs(dataSource);
  return async (operations) => {
    const used = process.cpuUsage(processBefore);
    const backendsAfter = await backendCpuMs(dataSource);
    const processUs = (used.user + used.system) / Math.max(1, operations);
    let backendMs: number | null = null;
    if (backendsBefore && backendsAfter) {
      backendMs = 0;
      for (const [pid, after] of backendsAfter) backendMs += after - (backendsBefore.get(pid) ?? after);
    }
    const backendUs = backendMs === null ? null : (backendMs * 1000) / Math.max(1, operations);
    return `CPU per op: ${processUs.toFixed(0)} µs here, ${backendUs === null ? '?' : backendUs.toFixed(0)} µs in PostgreSQL`;
  };
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
  return `mean size ${(size.sum / size.count).toFixed(1)}, mean commit ${((commit.sum / commit.count) * 1000).toFixed(2)} ms (${size.count})`;
}

/** Starts bench/live/server.js (the whole app, simulator feed on BTC_USDC_PERP) and opens through HTTP from `clients` loops. */
async function httpOpens(seconds: number, clients: number): Promise<Result> {
  const child = fork(join(__dirname, 'server.js'), [], {
    env: {
      ...process.env,
      APP_ROLE: 'all',
      ENGINE_ENABLED: 'true',
      ENGINE_LEASE_MS: '2000',
      PRICE_FEED: 'simulator',
      PRICE_FEED_ENABLED: 'true',
      PERP_SYMBOLS: 'BTC_USDC_PERP',
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
    const openOnce = async (token: string): Promise<Response> =>
      fetch(`${ready.url}/api/v1/trades`, {
        method: 'POST',
        headers: { ...auth(token), 'Content-Type': 'application/json', 'Idempotency-Key': randomUUID() },
        body: JSON.stringify({ symbol: 'BTC_USDC_PERP', side: 'long', margin: '10', leverage: 10 }),
      });
    // The server leads its shard and the feed has priced it once an open answers 201.
    const deadline = Date.now() + 30_000;
    for (;;) {
      const response = await openOnce(ready.tokens[0]);
      if (response.status === 201) break;
      await response.arrayBuffer();
      if (Date.now() > deadline) throw new Error(`POST /trades answered ${response.status} for 30 s`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const operation = async (worker: number) => {
      const response = await openOnce(ready.tokens[worker]);
      const body = await response.text();
      if (response.status !== 201) throw new Error(`POST /trades: ${response.status} ${body}`);
    };
    await measure('warm-up', { seconds: 1, concurrency: clients, users: 1 }, operation);
    return await measure('http opens', { seconds, concurrency: clients, users: 1 }, operation);
  } finally {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    if (child.connected) child.disconnect();
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
