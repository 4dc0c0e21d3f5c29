import { createHash } from 'node:crypto';
import { Worker } from 'bullmq';
import Redis from 'ioredis';
import request from 'supertest';
import { CandlePathGenerator } from '../src/rounds/fairness/candle-path';
import { DEFAULT_ROUND_PARAMS } from '../src/rounds/fairness/round-params';
import { roundSeedOf } from '../src/rounds/fairness/round-seed';
import { BACKTESTS_QUEUE } from '../src/strategies/backtest-jobs';
import { BacktestsProcessor } from '../src/strategies/backtests.processor';
import { withDatabase, waitFor } from './support/rounds';
import { closeSockets, collect, connectSocket, sleep } from './support/sockets';
import { RunningApp, startTestApp, testConfig } from './support/test-app';
import { createTestUser, type TestUser } from './support/users';

/** Rounds this suite writes as ended, revealed rounds (short paths so the suite is quick); removed afterwards. */
const ROUNDS = 150;
const PARAMS = { ...DEFAULT_ROUND_PARAMS, maxTicks: 200, rugProbability: 0.02 };
const LIMITS = { STRATEGY_BACKTEST_MAX_ROUNDS: '120', STRATEGY_BACKTEST_PAGE_SIZE: '16' };

const DOCUMENT = {
  rules: {
    entry: { side: 'long', when: { kind: 'tick', tick: 2 }, sizing: { kind: 'martingale', base: '1', multiplier: '2', maxStake: '16' }, exit: { takeProfit: '1.3', stopLoss: '0.2' } },
    sideBet: { when: { kind: 'tick-range', from: 5, to: 150 }, sizing: { kind: 'fraction-of-balance', fraction: '0.01' }, maxPerRound: 3 },
  },
  limits: { maxStakePerRound: '30' },
};

interface QueuedBody {
  jobId: string;
  status: string;
  roundsTotal: number;
  statusUrl: string;
}

interface ResultBody {
  roundsAvailable: number;
  rounds: { roundNumber: number; pathMatches: boolean }[];
  totals: { roundsPlayed: number; stoppedBy: string | null };
}

interface JobBody {
  jobId: string;
  status: string;
  progress: { roundsReplayed: number; roundsTotal: number };
  result: ResultBody | null;
  error: string | null;
  finishedAt: string | null;
}

describe('Backtests: large ones run as jobs with progress, their result equals the inline one (e2e)', () => {
  /** Answers every backtest in the suite's range inline. */
  let inline: RunningApp;
  /** Queues every backtest of more than 20 rounds. */
  let queued: RunningApp;
  let owner: TestUser;
  let other: TestUser;
  let first = 0;

  beforeAll(async () => {
    // The apps first: their boot runs the migrations.
    [inline, queued] = await Promise.all([
      startTestApp({ ...LIMITS, STRATEGY_BACKTEST_SYNC_ROUNDS: '1000' }),
      startTestApp({ ...LIMITS, STRATEGY_BACKTEST_SYNC_ROUNDS: '20' }),
    ]);
    await withDatabase(testConfig().databaseUrl, async (db) => {
      const [chain] = (await db.query(
        `INSERT INTO round_seed_chains (first_seed, length, terminal_hash, rounds_used) VALUES (encode(gen_random_bytes(32), 'hex'), $1, encode(gen_random_bytes(32), 'hex'), $1) RETURNING id`,
        [ROUNDS],
      )) as { id: string }[];
      const [{ next }] = (await db.query(`SELECT COALESCE(max(number), 0) + 1000 AS next FROM rounds`)) as { next: number }[];
      first = Number(next);
      for (let index = 0; index < ROUNDS; index += 1) {
        const serverSeed = createHash('sha256').update(`backtest job round ${index}`).digest('hex');
        const salt = `backtest-job-salt-${index}`;
        const generator = new CandlePathGenerator(roundSeedOf(serverSeed, salt), PARAMS);
        for (const _candle of generator);
        await db.query(
          `INSERT INTO rounds (number, chain_id, chain_index, status, params, server_seed_hash, server_seed, salt, salt_source, tick, price, rug_tick,
                               tick_ms, fee_bps, min_stake, max_stake, side_bet_window, side_bet_multiplier, starts_at, ended_at)
           VALUES ($1, $2, $3, 'SETTLED', $4::jsonb, repeat('0', 64), $5, $6, 'server', $7, $8, $9, 250, 100, 100000, 1000000000, 40, '5', '2001-01-01', '2001-01-01')`,
          [first + index, chain.id, index + 1, JSON.stringify(PARAMS), serverSeed, salt, generator.tick, generator.close.toString(), generator.rugTick],
        );
      }
    });
    [owner, other] = await Promise.all([createTestUser(queued), createTestUser(queued)]);
  });

  afterAll(async () => {
    closeSockets();
    await Promise.all([inline?.close(), queued?.close()]);
    await withDatabase(testConfig().databaseUrl, async (db) => {
      const chains = (await db.query(`DELETE FROM rounds WHERE number BETWEEN $1 AND $2 RETURNING chain_id`, [first, first + ROUNDS - 1])) as [{ chain_id: string }[], number];
      const chainIds = [...new Set(chains[0].map((row) => row.chain_id))];
      await db.query(`DELETE FROM round_seed_chains WHERE id = ANY($1::uuid[])`, [chainIds]);
    });
  });

  const backtest = (running: RunningApp) => request(running.url).post('/api/v1/strategies/backtest').set(owner.auth);
  const range = (count: number) => ({ ...DOCUMENT, startingBalance: '1000', fromRound: first, toRound: first + count - 1 });

  it('answers a small backtest inline, as before', async () => {
    const response = await backtest(queued).send(range(20)).expect(200);
    const body = response.body as ResultBody;
    expect(body.roundsAvailable).toBe(20);
    expect(body.rounds.every((round) => round.pathMatches)).toBe(true);
  });

  it('queues a larger one (202), reports its progress over HTTP and the socket, and its result equals the inline backtest of the same request', async () => {
    const socket = await connectSocket(queued, { auth: { token: owner.token } });
    const progress = collect<{ jobId: string; status: string; roundsReplayed: number; roundsTotal: number }>(socket, 'backtest:progress');
    const accepted = (await backtest(queued).send(range(100)).expect(202)).body as QueuedBody;
    expect(accepted).toEqual({ jobId: expect.any(String), status: 'queued', roundsTotal: 100, statusUrl: `/api/v1/strategies/backtests/${accepted.jobId}` });

    const seen: JobBody[] = [];
    const done = await waitFor(
      'the backtest job to complete',
      async () => {
        const job = (await request(queued.url).get(accepted.statusUrl).set(owner.auth).expect(200)).body as JobBody;
        seen.push(job);
        return job.status === 'completed' || job.status === 'failed' ? job : null;
      },
      60_000,
      20,
    );
    expect(done.status).toBe('completed');
    expect(done.error).toBeNull();
    expect(done.progress).toEqual({ roundsReplayed: 100, roundsTotal: 100 });
    expect(done.finishedAt).not.toBeNull();
    for (const job of seen) expect(job.progress.roundsReplayed).toBeLessThanOrEqual(100);

    const expected = (await backtest(inline).send(range(100)).expect(200)).body as ResultBody;
    expect(expected.rounds).toHaveLength(100);
    expect(done.result).toEqual(expected);

    // Progress pushed a page (16 rounds) at a time, then the completion.
    await waitFor('backtest:progress completed', async () => progress.some((event) => event.status === 'completed'), 10_000);
    const pages = progress.filter((event) => event.jobId === accepted.jobId && event.status === 'running').map((event) => event.roundsReplayed);
    expect(pages).toEqual([16, 32, 48, 64, 80, 96, 100]);
    expect(progress.at(-1)).toEqual({ jobId: accepted.jobId, status: 'completed', roundsReplayed: 100, roundsTotal: 100 });
  });

  it('queues a saved strategy\'s large backtest too, with the same result as its inline one', async () => {
    const created = (await request(queued.url).post('/api/v1/strategies').set(owner.auth).send({ name: 'queued', venue: 'rounds', ...DOCUMENT }).expect(201)).body as { id: string };
    const body = { startingBalance: '250', fromRound: first + 10, rounds: 60 };
    const accepted = (await request(queued.url).post(`/api/v1/strategies/${created.id}/backtest`).set(owner.auth).send(body).expect(202)).body as QueuedBody;
    expect(accepted.roundsTotal).toBe(60);
    const done = await waitFor('the job', async () => {
      const job = (await request(queued.url).get(accepted.statusUrl).set(owner.auth).expect(200)).body as JobBody;
      return job.status === 'completed' ? job : null;
    }, 60_000);
    const expected = (await request(inline.url).post(`/api/v1/strategies/${created.id}/backtest`).set(owner.auth).send(body).expect(200)).body as ResultBody;
    expect(done.result).toEqual(expected);
    // The last 60 rounds from fromRound on.
    expect(expected.rounds[0].roundNumber).toBe(first + ROUNDS - 60);
  });

  it('reruns a job whose instance died mid-replay (its lock expired): the rerun completes with the same result', async () => {
    const appWorkers = [inline, queued].map((running) => running.app.get(BacktestsProcessor).worker);
    const bull = { connection: { url: queued.config.redisUrl, maxRetriesPerRequest: null }, prefix: `${queued.config.redisKeyPrefix}:bull` };
    // A dying instance: it takes the next job and never renews its lock or finishes.
    const dying = new Worker(BACKTESTS_QUEUE, null, { ...bull, lockDuration: 500, skipStalledCheck: true, autorun: false });
    // Another instance's stalled check, sped up: BullMQ runs one check per queue per stalledInterval (30 s in the
    // apps) behind a throttle key, which the test clears so the check runs every 200 ms instead.
    const checker = new Worker(BACKTESTS_QUEUE, null, { ...bull, stalledInterval: 200, autorun: false });
    const redis = new Redis(queued.config.redisUrl, { maxRetriesPerRequest: 2 });
    const throttle = setInterval(() => void redis.del(`${bull.prefix}:${BACKTESTS_QUEUE}:stalled-check`).catch(() => undefined), 50);
    try {
      await Promise.all(appWorkers.map((worker) => worker.pause(true)));
      // A paused worker's fetch already blocking in Redis would still take the job: let it time out (drainDelay, 5 s).
      await sleep(6000);
      const accepted = (await backtest(queued).send(range(50)).expect(202)).body as QueuedBody;
      const taken = await dying.getNextJob('dead-instance');
      expect(taken?.id).toBe(accepted.jobId);
      await taken!.updateProgress({ roundsReplayed: 16, roundsTotal: 50 });
      const running = (await request(queued.url).get(accepted.statusUrl).set(owner.auth).expect(200)).body as JobBody;
      expect(running).toMatchObject({ status: 'running', progress: { roundsReplayed: 16, roundsTotal: 50 }, result: null });
      appWorkers.forEach((worker) => worker.resume());
      // The check finds the job's lock gone, moves it back to waiting, and an app's worker reruns it from the start.
      await checker.startStalledCheckTimer();
      const done = await waitFor('the rerun to complete', async () => {
        const job = (await request(queued.url).get(accepted.statusUrl).set(owner.auth).expect(200)).body as JobBody;
        return job.status === 'completed' || job.status === 'failed' ? job : null;
      }, 30_000, 100);
      expect(done.status).toBe('completed');
      const expected = (await backtest(inline).send(range(50)).expect(200)).body as ResultBody;
      expect(done.result).toEqual(expected);
    } finally {
      clearInterval(throttle);
      appWorkers.forEach((worker) => worker.resume());
      await Promise.all([dying.close(true), checker.close()]);
      redis.disconnect();
    }
  }, 60_000);

  it('shows a job only to its owner: anyone else, an unknown id and a malformed one get a 404', async () => {
    const accepted = (await backtest(queued).send(range(30)).expect(202)).body as QueuedBody;
    const notFound = await request(queued.url).get(accepted.statusUrl).set(other.auth).expect(404);
    expect(notFound.body).toMatchObject({ error: 'BacktestJobNotFound' });
    await request(queued.url).get('/api/v1/strategies/backtests/7c0e1d52-2b1f-4a57-9d8e-0d6a1b9f3c10').set(owner.auth).expect(404);
    await request(queued.url).get('/api/v1/strategies/backtests/not-a-job').set(owner.auth).expect(404);
    await request(queued.url).get(accepted.statusUrl).expect(401);
  });

  it('refuses a range of more than STRATEGY_BACKTEST_MAX_ROUNDS with a 400 that says so', async () => {
    const tooMany = await backtest(queued).send(range(ROUNDS)).expect(422);
    expect(tooMany.body).toMatchObject({ error: 'BacktestTooLarge', details: { maxRounds: 120 } });
    expect(tooMany.body.message).toContain('at most 120 rounds');
    const last = await backtest(queued).send({ ...DOCUMENT, startingBalance: '10', rounds: 121 }).expect(422);
    expect(last.body).toMatchObject({ error: 'BacktestTooLarge' });
    const badRules = await backtest(queued).send({ ...range(100), rules: { entry: { side: 'sideways' } } }).expect(400);
    expect(badRules.body).toMatchObject({ error: 'ValidationFailed' });
  });
});
