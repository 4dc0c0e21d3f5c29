import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import type { INestApplication } from '@nestjs/common';
import Redis from 'ioredis';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { LedgerService } from '../../src/accounts/ledger.service';
import { LeaderboardService } from '../../src/analytics/leaderboard.service';
import { boardKey, namesKey, periodBucket } from '../../src/analytics/leaderboard-keys';
import type { SettlementResult } from '../../src/common/stats/venue-stats';
import { AppConfig } from '../../src/config/app-config';
import { createApp } from '../../src/main';
import { DEFAULT_ROUND_PARAMS } from '../../src/rounds/fairness/round-params';
import { RoundEngine } from '../../src/rounds/round-engine.service';
import { RoundSettingsService } from '../../src/rounds/round-settings.service';
import { RoundTickHooks } from '../../src/rounds/round-tick-hooks';
import { encodeRoundCloses } from '../../src/rounds/round-closes';
import { RoundsService } from '../../src/rounds/rounds.service';
import { recomputePath } from '../../src/strategies/core/backtest';
import type { StrategyRulesDocument } from '../../src/strategies/core/strategy-rules';
import { StrategiesService } from '../../src/strategies/strategies.service';
import { StrategyBacktests } from '../../src/strategies/strategy-backtests.service';
import { openLedgerHarness, type LedgerHarness } from '../ledger/harness';
import { baseline, measure, type Result } from '../ledger/measure';

/**
 * Analytics and strategies (issue 16), in one run, next to the bare-pg baseline of bench/ledger (BEGIN; UPDATE;
 * INSERT; COMMIT) measured on the same PostgreSQL:
 *   (a) backtest   a backtest over --rounds settled rounds (default 10,000) seeded by one
 *                  INSERT … SELECT with revealed seeds, their paths regenerated (timed) and stored as the
 *                  settlement stores them (rounds.closes); StrategyBacktests.runQueued (the backtests job's
 *                  work, pages of STRATEGY_BACKTEST_PAGE_SIZE) cold, then twice more; the bare SELECT of those rows
 *  (b) leaderboard LeaderboardService.read of a 100-entry page (+ the caller's rank) on a board of --players
 *                  players, names from the warm Redis names cache: closed loop at 16 clients, then open loop at
 *                  --rate reads/s (latency from each read's scheduled time); next to the bare queries it replaces
 *                  (the player_profiles SELECT every read used to make) and bare Redis (ZREVRANGE + HMGET)
 *   (c) tick cost  the round engine ticking (ROUND_TICK_MS 100, in this process) with 0 running strategies, with
 *                  --strategies that watch every tick and never act, and with as many that open a position at
 *                  tick 3 and close it on take-profit / stop-loss: each tick pass timed (generate, the tick's
 *                  transaction, events, the strategy hooks awaited), and the hooks alone
 *
 * Usage: npm run bench:analytics [-- --rounds 10000 --players 10000 --seconds 5 --rate 1000 --strategies 1000 --ticks 100] (0 skips a part)
 * Uses DATABASE_URL, REDIS_URL and REDIS_KEY_PREFIX; it adds bench users and strategies there, and deletes the
 * rounds it seeded for (a).
 */

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? Number(process.argv[index + 1]) : fallback;
}

const RUN = randomBytes(3).toString('hex');
const nowMs = () => performance.now();

/** The app in this process, without HTTP: no chain, no price feed, no demo data, the analytics cron out of the way. */
async function bootApp(overrides: Record<string, string>): Promise<INestApplication> {
  const config = AppConfig.fromEnv({
    NODE_ENV: 'test',
    LOG_LEVEL: 'error',
    ...process.env,
    CHAIN: 'off',
    PRICE_FEED_ENABLED: 'false',
    PERP_WIND_DOWN_ENABLED: 'false',
    SEED_DEMO_MARKETS: 'false',
    ANALYTICS_REBUILD_CRON: '0 0 1 1 *',
    ...overrides,
  });
  const app = await createApp(config);
  await app.init();
  return app;
}

function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
}

function summary(values: number[]): { n: number; p50: number; p99: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  return { n: sorted.length, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), max: sorted[sorted.length - 1] ?? 0 };
}

/**
 * Open loop: `rate` operations a second for `seconds`, each started at its scheduled time whether or not earlier
 * ones finished, its latency counted from that scheduled time (a stalled loop shows as latency, not as fewer reads).
 */
async function openLoop(rate: number, seconds: number, operation: (index: number) => Promise<unknown>) {
  const latencies: number[] = [];
  let errors = 0;
  const total = Math.round(rate * seconds);
  const inFlight = new Set<Promise<void>>();
  const started = nowMs();
  let issued = 0;
  while (issued < total) {
    const due = Math.min(total, Math.floor(((nowMs() - started) / 1000) * rate) + 1);
    for (; issued < due; issued++) {
      const scheduled = started + (issued * 1000) / rate;
      const done: Promise<void> = operation(issued)
        .then(
          () => void latencies.push(nowMs() - scheduled),
          () => void (errors += 1),
        )
        .finally(() => inFlight.delete(done));
      inFlight.add(done);
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await Promise.all([...inFlight]);
  const elapsed = (nowMs() - started) / 1000;
  return { offered: rate, completed: latencies.length, perSecond: latencies.length / elapsed, errors, ...summary(latencies) };
}

function resultRow(result: Result, base: number): string {
  return `| ${result.name} | ${result.postings} | ${result.perSecond.toFixed(0)} | ${(result.perSecond / base).toFixed(2)} | ${result.p50Ms.toFixed(2)} | ${result.p99Ms.toFixed(2)} | ${result.errors} |`;
}

// ---- (a) backtest ------------------------------------------------------------------------------------

/** The strategy of bench/strategies: martingale entry with take-profit and stop-loss, up to 5 side bets a round. */
const BACKTEST_RULES: StrategyRulesDocument = {
  entry: { side: 'long', when: { kind: 'tick', tick: 2 }, sizing: { kind: 'martingale', base: '1', multiplier: '2', maxStake: '16' }, exit: { takeProfit: '1.5', stopLoss: '0.3' } },
  sideBet: { when: { kind: 'expected-value', min: -0.2 }, sizing: { kind: 'fixed', amount: '1' }, maxPerRound: 5 },
};

async function benchBacktest(app: INestApplication, harness: LedgerHarness, roundCount: number): Promise<void> {
  const db = harness.dataSource;
  const strategies = app.get(StrategiesService);
  const backtests = app.get(StrategyBacktests);
  const [owner] = await harness.createUsers(1);
  const strategy = await strategies.create(owner, { name: `bench ${RUN}`, venue: 'rounds', rules: BACKTEST_RULES });

  const seeding = nowMs();
  // A used-up chain of its own (the engine never takes it); seeds revealed, as settled rounds have them. Each
  // round's path is then regenerated from its seed here (timed: what a backtest pays for rounds settled without
  // stored closes) and stored as the settlement stores it, with the rug tick and final price it gives.
  const [chain] = (await db.query(
    `INSERT INTO round_seed_chains (first_seed, length, terminal_hash, rounds_used) VALUES (encode(gen_random_bytes(32), 'hex'), $1, encode(gen_random_bytes(32), 'hex'), $1) RETURNING id`,
    [roundCount],
  )) as { id: string }[];
  const [{ first }] = (await db.query(`SELECT COALESCE(max(number), 0) + 1 AS first FROM rounds`)) as { first: number }[];
  await db.query(
    `INSERT INTO rounds (number, chain_id, chain_index, status, params, server_seed_hash, server_seed, salt, salt_source, tick, price, rug_tick,
                         tick_ms, fee_bps, min_stake, max_stake, side_bet_window, side_bet_multiplier, starts_at, ended_at, settled_at)
     SELECT $1::int + n - 1, $2, n, 'SETTLED', $3::jsonb, repeat('0', 64), encode(sha256(convert_to($4 || n, 'UTF8')), 'hex'), 'bench salt ' || n, 'server',
            100, 100000000, NULL, 250, 100, 100000, 1000000000, 40, '5', now() - interval '1 hour', now() - interval '1 hour', now() - interval '1 hour'
       FROM generate_series(1, $5::int) AS n`,
    [first, chain.id, JSON.stringify(DEFAULT_ROUND_PARAMS), `bench ${RUN} round `, roundCount],
  );
  const last = Number(first) + roundCount - 1;
  const inserted = (await db.query(`SELECT id, server_seed, salt FROM rounds WHERE chain_id = $1 ORDER BY number`, [chain.id])) as { id: string; server_seed: string; salt: string }[];
  const regenerating = nowMs();
  const paths = inserted.map((row) => recomputePath({ serverSeed: row.server_seed, salt: row.salt, params: DEFAULT_ROUND_PARAMS }));
  const regenMs = nowMs() - regenerating;
  const ticks = paths.reduce((sum, path) => sum + path.closes.length, 0);
  for (let at = 0; at < inserted.length; at += 1000) {
    const rows = inserted.slice(at, at + 1000);
    const chunk = paths.slice(at, at + 1000);
    await db.query(
      `UPDATE rounds r SET closes = v.closes, tick = v.tick, price = v.price, rug_tick = v.rug_tick
         FROM unnest($1::uuid[], $2::bytea[], $3::int[], $4::numeric[], $5::int[]) AS v(id, closes, tick, price, rug_tick) WHERE r.id = v.id`,
      [rows.map((row) => row.id), chunk.map((path) => encodeRoundCloses(path.closes)), chunk.map((path) => path.closes.length), chunk.map((path) => path.finalClose.toString()), chunk.map((path) => path.rugTick)],
    );
  }
  const seededMs = nowMs() - seeding;

  try {
    const pool = (db.driver as PostgresDriver).master as { query(sql: string, params: unknown[]): Promise<{ rows: unknown[] }> };
    const bare = nowMs();
    const { rows } = await pool.query(
      `SELECT id, number, params, server_seed, salt, rug_tick, price, fee_bps, min_stake, max_stake, side_bet_window, side_bet_multiplier, closes FROM rounds
        WHERE number BETWEEN $1 AND $2 AND status IN ('ENDED', 'SETTLED') ORDER BY number`,
      [first, last],
    );
    const bareMs = nowMs() - bare;
    const loading = nowMs();
    const loaded = await app.get(RoundsService).replayable({ fromNumber: Number(first), toNumber: last, limit: roundCount + 1 });
    const loadMs = nowMs() - loading;

    // 10,000 rounds is past STRATEGY_BACKTEST_SYNC_ROUNDS: the route queues a `backtests` job, whose work is
    // StrategyBacktests.runQueued (the rounds read a page at a time, replayed in order). Timed here without the queue.
    const job = { userId: owner, strategyId: strategy.id, rules: BACKTEST_RULES, limits: {}, startingBalance: '1000000000000', firstNumber: Number(first), lastNumber: last, roundsTotal: loaded.length };
    const runs: { label: string; ms: number; rounds: number; pnl: string; mismatched: number }[] = [];
    for (const label of ['cold: stored closes (first run)', 'the same job again', 'again']) {
      const started = nowMs();
      const result = await backtests.runQueued(`bench-${RUN}`, job, async () => undefined);
      runs.push({ label, ms: nowMs() - started, rounds: result.rounds.length, pnl: result.totals.pnl, mismatched: result.rounds.filter((round) => !round.pathMatches).length });
    }
    console.log(`\n(a) backtest over ${roundCount} settled rounds (numbers ${first}–${last}), seeded in ${(seededMs / 1000).toFixed(2)} s (INSERT … SELECT, paths regenerated, closes stored)`);
    console.log('| what | rounds | ms |');
    console.log('|---|---:|---:|');
    console.log(`| bare pg: SELECT the ${rows.length} rows | ${rows.length} | ${bareMs.toFixed(0)} |`);
    console.log(`| RoundsService.replayable (the backtest's load) | ${loaded.length} | ${loadMs.toFixed(0)} |`);
    for (const run of runs) console.log(`| StrategyBacktests.runQueued (the backtests job's work), ${run.label} | ${run.rounds} | ${run.ms.toFixed(0)} |`);
    console.log(
      `regenerating the ${paths.length} paths from their seeds (what rounds without stored closes cost a backtest): ${regenMs.toFixed(0)} ms, ${(regenMs / paths.length).toFixed(2)} ms a round, ${(ticks / paths.length).toFixed(0)} ticks a round`,
    );
    console.log(`same P&L every run: ${new Set(runs.map((run) => run.pnl)).size === 1}; rounds with pathMatches false: ${runs.map((run) => run.mismatched).join(', ')}`);
  } finally {
    await db.query(`DELETE FROM rounds WHERE chain_id = $1`, [chain.id]);
    await db.query(`DELETE FROM round_seed_chains WHERE id = $1`, [chain.id]);
  }
}

// ---- (b) leaderboard reads ---------------------------------------------------------------------------

async function benchLeaderboard(app: INestApplication, harness: LedgerHarness, options: { players: number; seconds: number; rate: number }): Promise<void> {
  const db = harness.dataSource;
  const config = app.get(AppConfig);
  const leaderboards = app.get(LeaderboardService);
  const players = await harness.createUsers(options.players);
  // Two in three public, one in three of those without a display name (shown by username).
  await db.query(
    `INSERT INTO player_profiles (user_id, display_name, public)
     SELECT u, CASE WHEN n % 3 = 0 THEN NULL ELSE 'b' || $2 || ' ' || n END, n % 3 <> 1 FROM unnest($1::uuid[]) WITH ORDINALITY AS v(u, n)`,
    [players, RUN],
  );
  const settledAt = new Date();
  const results: SettlementResult[] = players.map((userId, index) => ({
    settlementId: `bench:${RUN}:${Math.floor(index / 100)}`,
    settledAt,
    userId,
    pnl: BigInt(Math.round((Math.random() - 0.45) * 100_000_000)),
    volume: BigInt(1_000_000 + Math.round(Math.random() * 100_000_000)),
  }));
  const seeding = nowMs();
  await leaderboards.apply('rounds', results);
  const seededMs = nowMs() - seeding;

  const query = { venue: 'rounds', metric: 'pnl', period: 'day', limit: 100 } as const;
  const callers = players.slice(0, 1000);
  const caller = (worker: number, iteration: number) => callers[(worker * 7919 + iteration) % callers.length];
  // Warm: every caller's own name and the page's names cached.
  const redis = new Redis(config.redisUrl);
  await redis.del(namesKey(config.redisKeyPrefix));
  const coldStarted = nowMs();
  await leaderboards.read(query, callers[0]);
  const coldMs = nowMs() - coldStarted;
  for (let start = 0; start < callers.length; start += 50) await Promise.all(callers.slice(start, start + 50).map((userId) => leaderboards.read(query, userId)));

  const closedOptions = { seconds: options.seconds, concurrency: 16, users: 200 };
  const pool = (db.driver as PostgresDriver).master as { query(sql: string, params: unknown[]): Promise<unknown> };
  const page = (await leaderboards.read(query, undefined)).entries.length;
  const pageIds = (await redis.zrevrange(boardKey(config.redisKeyPrefix, 'rounds', 'pnl', periodBucket('day', settledAt)), 0, 99)) as string[];
  const key = boardKey(config.redisKeyPrefix, 'rounds', 'pnl', periodBucket('day', settledAt));
  const names = namesKey(config.redisKeyPrefix);
  const closed: Result[] = [
    await baseline(harness, closedOptions),
    await measure('bare pg: the page\'s player_profiles SELECT (what each read did before the cache)', closedOptions, async () => {
      await pool.query(`SELECT user_id, display_name FROM player_profiles WHERE user_id = ANY($1::uuid[]) AND public`, [pageIds]);
    }),
    await measure('bare Redis: ZREVRANGE 100 WITHSCORES, ZCARD, ZREVRANK, ZSCORE, HMGET 101', closedOptions, async (worker, iteration) => {
      const me = caller(worker, iteration);
      const [flat] = await Promise.all([redis.zrevrange(key, 0, 99, 'WITHSCORES'), redis.zcard(key), redis.zrevrank(key, me), redis.zscore(key, me)]);
      const ids = flat.filter((_, index) => index % 2 === 0);
      await redis.hmget(names, '#generation', ...ids, me);
    }),
    await measure('LeaderboardService.read, warm names cache', closedOptions, (worker, iteration) => leaderboards.read(query, caller(worker, iteration)).then(() => undefined)),
  ];
  const open = await openLoop(options.rate, options.seconds, (index) => leaderboards.read(query, callers[index % callers.length]));
  await redis.quit();

  const base = closed[0].perSecond;
  console.log(`\n(b) leaderboard reads: board of ${options.players} players (applied in ${seededMs.toFixed(0)} ms), pages of ${page} entries + the caller's rank, ${callers.length} callers`);
  console.log(`first read with the names cache empty: ${coldMs.toFixed(1)} ms`);
  console.log(`closed loop, ${closedOptions.concurrency} clients, ${options.seconds} s each:`);
  console.log('| scenario | reads | reads/s | vs baseline | p50 ms | p99 ms | errors |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const result of closed) console.log(resultRow(result, base));
  console.log(`open loop, ${open.offered} reads/s offered for ${options.seconds} s: ${open.completed} completed (${open.perSecond.toFixed(0)}/s), p50 ${open.p50.toFixed(2)} ms, p99 ${open.p99.toFixed(2)} ms, max ${open.max.toFixed(1)} ms, errors ${open.errors}`);
}

// ---- (c) the cost of running strategies to a round tick ------------------------------------------------

interface TickSample {
  round: number;
  candles: number;
  ms: number;
  hooksMs: number;
}

/** The engine's tick pass and its hooks, timed from outside (bench only: the methods are wrapped on the instance). */
function instrument(app: INestApplication): { samples: TickSample[] } {
  const state = { samples: [] as TickSample[] };
  type Live = { round: { number: number; tick: number } };
  const engine = app.get(RoundEngine) as unknown as { tick(live: Live): Promise<number> };
  const hooks = app.get(RoundTickHooks);
  const tick = engine.tick.bind(engine);
  const afterTick = hooks.afterTick.bind(hooks);
  let hooksMs = 0;
  hooks.afterTick = async (roundId, tickNumber, tickMs) => {
    const started = nowMs();
    await afterTick(roundId, tickNumber, tickMs);
    hooksMs += nowMs() - started;
  };
  engine.tick = async (live) => {
    const before = live.round.tick;
    hooksMs = 0;
    const started = nowMs();
    const next = await tick(live);
    const candles = live.round.tick - before;
    if (candles > 0) state.samples.push({ round: live.round.number, candles, ms: nowMs() - started, hooksMs });
    return next;
  };
  return state;
}

async function collectTicks(state: { samples: TickSample[] }, fromRound: number, ticks: number, timeoutMs: number): Promise<TickSample[]> {
  const deadline = Date.now() + timeoutMs;
  state.samples.length = 0;
  for (;;) {
    const taken = state.samples.filter((sample) => sample.round >= fromRound);
    if (taken.length >= ticks || Date.now() > deadline) return taken;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Runs `work` over `items` with at most `concurrency` at a time. */
async function inBatches<T>(items: T[], concurrency: number, work: (item: T) => Promise<unknown>): Promise<void> {
  for (let start = 0; start < items.length; start += concurrency) await Promise.all(items.slice(start, start + concurrency).map(work));
}

const WATCHING: StrategyRulesDocument = {
  // A level the price never reaches: each tick is observed and nothing is placed.
  entry: { side: 'long', when: { kind: 'price-cross', direction: 'above', level: '1000000000' }, sizing: { kind: 'fixed', amount: '1' } },
};
const ACTING: StrategyRulesDocument = {
  entry: { side: 'long', when: { kind: 'tick', tick: 3 }, sizing: { kind: 'fixed', amount: '1' }, exit: { takeProfit: '1.5', stopLoss: '0.5' } },
};

const TICK_HEADER = [
  '| running | tick passes | candles | pass p50 ms | pass p99 ms | pass max ms | hooks p50 ms | hooks p99 ms | passes over the tick |',
  '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
];

function tickRow(label: string, samples: TickSample[], tickMs: number): string {
  const pass = summary(samples.map((sample) => sample.ms));
  const hooks = summary(samples.map((sample) => sample.hooksMs));
  const candles = samples.reduce((sum, sample) => sum + sample.candles, 0);
  const slow = samples.filter((sample) => sample.ms > tickMs).length;
  return `| ${label} | ${pass.n} | ${candles} | ${pass.p50.toFixed(2)} | ${pass.p99.toFixed(2)} | ${pass.max.toFixed(1)} | ${hooks.p50.toFixed(2)} | ${hooks.p99.toFixed(2)} | ${slow} |`;
}

async function benchTicks(harness: LedgerHarness, options: { strategies: number; ticks: number }): Promise<void> {
  const tickMs = 100;
  const app = await bootApp({ ROUNDS_ENGINE_ENABLED: 'true', ROUND_TICK_MS: String(tickMs), ROUND_MAX_TICKS: '100', ROUND_COOLDOWN_MS: '200', STARTING_BALANCE: '1000' });
  try {
    // A venue left paused (an e2e suite pauses it) creates no rounds: resumed for the run, paused again after.
    const settings = app.get(RoundSettingsService);
    const wasPaused = (await settings.current()).paused;
    if (wasPaused) {
      console.log('note: rounds were paused; resumed for this run');
      await settings.setPaused(false);
    }
    try {
      await tickPhases(app, harness, options, tickMs);
    } finally {
      if (wasPaused) await settings.setPaused(true);
    }
  } finally {
    await app.close();
  }
}

async function tickPhases(app: INestApplication, harness: LedgerHarness, options: { strategies: number; ticks: number }, tickMs: number): Promise<void> {
  const state = instrument(app);
  const strategies = app.get(StrategiesService);
  const ledger = app.get(LedgerService);
  const db = harness.dataSource;
  const users = await harness.createUsers(options.strategies);
  const setupStarted = nowMs();
  await inBatches(users, 8, (userId) => db.transaction((manager) => ledger.openUserAccount(manager, userId)));
  const watching: { userId: string; id: string }[] = [];
  const acting: { userId: string; id: string }[] = [];
  await inBatches(users, 8, async (userId) => {
    watching.push({ userId, id: (await strategies.create(userId, { name: 'watching', venue: 'rounds', rules: WATCHING })).id });
    acting.push({ userId, id: (await strategies.create(userId, { name: 'acting', venue: 'rounds', rules: ACTING })).id });
  });
  console.log(`\n(c) round ticks (ROUND_TICK_MS ${tickMs}, ROUND_MAX_TICKS 100, in this process): ${options.strategies} users and 2 strategies each set up in ${((nowMs() - setupStarted) / 1000).toFixed(1)} s`);

  const [{ running }] = (await db.query(`SELECT count(*)::int AS running FROM strategies WHERE status = 'running'`)) as { running: number }[];
  if (running > 0) console.log(`note: ${running} strategies of earlier runs are running and play in every phase`);
  for (const line of TICK_HEADER) console.log(line);
  const [{ current }] = (await db.query(`SELECT COALESCE(max(number), 0) AS current FROM rounds`)) as { current: number }[];
  console.log(tickRow('0 strategies', await collectTicks(state, Number(current), options.ticks, 60_000), tickMs));

  const start = async (set: { userId: string; id: string }[]) => {
    let fromRound = 0;
    await inBatches(set, 8, async ({ userId, id }) => (fromRound = Math.max(fromRound, (await strategies.start(userId, id)).session!.fromRound)));
    return fromRound;
  };
  const stop = (set: { userId: string; id: string }[]) => inBatches(set, 8, ({ userId, id }) => strategies.stop(userId, id));

  const watchFrom = await start(watching);
  console.log(tickRow(`${options.strategies} watching (never act)`, await collectTicks(state, watchFrom, options.ticks, 60_000), tickMs));
  await stop(watching);

  const actFrom = await start(acting);
  const actSamples = await collectTicks(state, actFrom, options.ticks, 90_000);
  console.log(tickRow(`${options.strategies} acting (open at tick 3, TP 1.5× / SL 0.5)`, actSamples, tickMs));
  await stop(acting);
  const measuredRounds = [...new Set(actSamples.map((sample) => sample.round))];
  const [{ positions }] = (await db.query(
    `SELECT count(*)::int AS positions FROM round_positions p JOIN rounds r ON r.id = p.round_id WHERE r.number = ANY($1::int[]) AND p.user_id = ANY($2::uuid[])`,
    [measuredRounds, users],
  )) as { positions: number }[];
  const [{ declined, slipped }] = (await db.query(
    `SELECT COALESCE(sum(declined), 0)::int AS declined, COALESCE(sum(slipped), 0)::int AS slipped FROM strategy_rounds WHERE round_number = ANY($1::int[]) AND strategy_id = ANY($2::uuid[])`,
    [measuredRounds, acting.map((strategy) => strategy.id)],
  )) as { declined: number; slipped: number }[];
  // The round in progress records its strategies' results when it ends: let that finish before the app closes.
  let recorded = -1;
  for (let waited = 0; waited < 60_000; waited += 2000) {
    const [{ count }] = (await db.query(`SELECT count(*)::int AS count FROM strategy_rounds WHERE strategy_id = ANY($1::uuid[])`, [acting.map((strategy) => strategy.id)])) as { count: number }[];
    if (count === recorded) break;
    recorded = count;
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
  console.log(`acting phase: rounds ${measuredRounds.join(', ')}, ${positions} positions opened by the strategies in them, ${declined} stakes declined, ${slipped} filled after their tick`);
}

async function main(): Promise<void> {
  const roundCount = option('rounds', 10_000);
  const players = option('players', 10_000);
  const seconds = option('seconds', 5);
  const rate = option('rate', 1000);
  const strategyCount = option('strategies', 1000);
  const ticks = option('ticks', 100);
  const harness = await openLedgerHarness({ LOG_LEVEL: 'error' });
  try {
    console.log(`analytics bench ${RUN}: node ${process.version}, load average ${loadavg().map((value) => value.toFixed(1)).join(' ')}, PostgreSQL ${harness.config.databaseUrl.replace(/\/\/[^@]*@/, '//')}`);
    const app = await bootApp({ ROUNDS_ENGINE_ENABLED: 'false' });
    try {
      if (roundCount > 0) await benchBacktest(app, harness, roundCount);
      if (players > 0) await benchLeaderboard(app, harness, { players, seconds, rate });
    } finally {
      await app.close();
    }
    if (strategyCount > 0) await benchTicks(harness, { strategies: strategyCount, ticks });
    console.log(`\nload average at the end: ${loadavg().map((value) => value.toFixed(1)).join(' ')}`);
  } finally {
    await harness.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
