import { getQueueToken } from '@nestjs/bullmq';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { REDIS } from '../src/redis/redis.module';
import { RoundEngine } from '../src/rounds/round-engine.service';
import { ROUND_SETTLEMENT_QUEUE } from '../src/rounds/round-settlement.processor';
import { RoundSettlementService } from '../src/rounds/round-settlement.service';
import { sha256Seed } from '../src/rounds/fairness/hash-chain';
import { SeedChainsService } from '../src/rounds/seed-chains.service';
import { balancesOf, createAdmin, createFundedUser, reconcile } from './support/ledger';
import { FAST_ROUNDS, post, potBalance, resetRoundsVenue, RoundBody, roundById, waitFor, waitForRound, waitForStatus, withDatabase } from './support/rounds';
import { RunningApp, startTestApp, testConfig } from './support/test-app';

/** Every chain not used up is marked used up, so the next call commits fresh chains of the running app's length. */
async function retireOpenChains(databaseUrl: string): Promise<void> {
  await withDatabase(databaseUrl, async (db) => {
    await db.query(`UPDATE round_seed_chains SET rounds_used = length WHERE rounds_used < length`);
  });
}

describe('Rounds: the next seed chain is committed before its first round (e2e)', () => {
  let running: RunningApp;

  beforeAll(async () => {
    await resetRoundsVenue(testConfig().databaseUrl);
    running = await startTestApp({ ROUND_CHAIN_LENGTH: '3' });
    await retireOpenChains(running.config.databaseUrl);
  });

  afterAll(async () => {
    // Later suites expect chains of the default length.
    if (running) await retireOpenChains(running.config.databaseUrl);
    await running?.close();
  });

  it('publishes nextTerminalHash while the current chain is in use, and rounds move on to exactly that chain', async () => {
    const chains = running.app.get(SeedChainsService);
    const dataSource = running.app.get(DataSource);
    const takeNext = () => dataSource.transaction((manager) => chains.takeNext(manager));

    const first = (await request(running.url).get('/api/v1/rounds/fairness').expect(200)).body;
    expect(first).toEqual({
      terminalHash: expect.stringMatching(/^[0-9a-f]{64}$/),
      chainLength: 3,
      roundsUsed: 0,
      nextTerminalHash: expect.stringMatching(/^[0-9a-f]{64}$/),
      nextChainLength: 3,
      algorithm: 'cm-v1',
    });
    expect(first.nextTerminalHash).not.toBe(first.terminalHash);

    const slots = [await takeNext(), await takeNext()];
    // The committed next chain is unchanged while the current one is being used.
    const used = (await request(running.url).get('/api/v1/rounds/fairness').expect(200)).body;
    expect(used).toMatchObject({ terminalHash: first.terminalHash, roundsUsed: 2, nextTerminalHash: first.nextTerminalHash });
    slots.push(await takeNext());
    expect(slots.map((slot) => slot.chainIndex)).toEqual([1, 2, 3]);
    expect(slots.map((slot) => slot.chainId)).toEqual([slots[0].chainId, slots[0].chainId, slots[0].chainId]);
    expect(slots[0].serverSeedHash).toBe(first.terminalHash);

    // The current chain is used up: the next round plays the chain published as next, and a new next is committed.
    const moved = (await request(running.url).get('/api/v1/rounds/fairness').expect(200)).body;
    expect(moved).toMatchObject({ terminalHash: first.nextTerminalHash, roundsUsed: 0, chainLength: 3 });
    expect(moved.nextTerminalHash).toMatch(/^[0-9a-f]{64}$/);
    expect([first.terminalHash, first.nextTerminalHash]).not.toContain(moved.nextTerminalHash);
    const slot = await takeNext();
    expect(slot).toMatchObject({ chainIndex: 1, serverSeedHash: first.nextTerminalHash });
    expect(slot.chainId).not.toBe(slots[0].chainId);

    // And the seed it plays hashes up to the terminal hash published one chain earlier.
    const seed = await chains.serverSeed(dataSource.manager, slot.chainId, 1);
    expect(sha256Seed(seed)).toBe(first.nextTerminalHash);
  });
});

describe('Rounds: engine stalls, failed settlements and broken takeovers (e2e)', () => {
  let running: RunningApp;
  let engine: RoundEngine;

  beforeAll(async () => {
    await resetRoundsVenue(testConfig().databaseUrl);
    // Long rounds, so a halted engine usually leaves an ACTIVE round behind.
    running = await startTestApp({ ...FAST_ROUNDS, ROUND_MAX_TICKS: '300' });
    engine = running.app.get(RoundEngine);
  });

  afterAll(async () => {
    jest.restoreAllMocks();
    await running?.close();
  });

  afterEach(() => {
    jest.restoreAllMocks();
  });

  /** Restarts the halted engine at once: its stale lease is deleted as if it had expired. */
  async function restartEngine(): Promise<void> {
    await running.app.get<Redis>(REDIS).del(`${running.config.redisKeyPrefix}:rounds:engine-leader`);
    engine.onApplicationBootstrap();
    await waitFor('the engine to lead again', async () => engine.isLeader, 10000);
  }

  /** Halts the ticking leader (without releasing its lease, as a crash would) while `setUp` left the round ACTIVE. */
  async function haltDuringActiveRound<T>(setUp: (round: RoundBody) => Promise<T | null>): Promise<{ round: RoundBody; state: T }> {
    for (let previous = 0, attempt = 0; attempt < 6; attempt += 1) {
      await waitFor('a leader', async () => engine.isLeader, 10000);
      const active = await waitForRound(running, previous, ['ACTIVE']);
      previous = active.number;
      const state = await setUp(active);
      await engine.haltWithoutRelease();
      const halted = await roundById(running, active.id);
      if (state !== null && halted.status === 'ACTIVE') return { round: halted, state };
      await restartEngine(); // the round ended first: try the next one
    }
    throw new Error('no round stayed ACTIVE long enough');
  }

  it('refuses opens, closes and side bets with 409 while the round is not ticking, and nothing moves', async () => {
    const player = await createFundedUser(running);
    const { round, state: positions } = await haltDuringActiveRound(async (active) => {
      const long = await post(running, player, `/api/v1/rounds/${active.id}/positions`, { side: 'long', amount: '10' });
      const short = await post(running, player, `/api/v1/rounds/${active.id}/positions`, { side: 'short', amount: '10' });
      return long.status === 201 && short.status === 201 ? [long.body.id as string, short.body.id as string] : null;
    });
    const balance = (await balancesOf(running, player)).USDC.available;
    const pot = await potBalance(running, round.id);

    // 2 × 20 ms + the 1 s margin after the last persisted tick, the frozen price is no longer traded.
    await new Promise((resolve) => setTimeout(resolve, 1200));
    const refused = [
      await post(running, player, `/api/v1/rounds/${round.id}/positions/${positions[0]}/close`),
      await post(running, player, `/api/v1/rounds/${round.id}/positions`, { side: 'long', amount: '5' }),
      await post(running, player, `/api/v1/rounds/${round.id}/side-bets`, { amount: '5' }),
    ];
    for (const response of refused) {
      expect(response.status).toBe(409);
      expect(response.body).toMatchObject({ error: 'RoundStateConflict', message: expect.stringMatching(/not ticking/), details: { status: 'ACTIVE' } });
      expect(response.body.details.sinceLastTickMs).toBeGreaterThan(1040);
    }
    expect((await balancesOf(running, player)).USDC.available).toBe(balance);
    expect(await potBalance(running, round.id)).toBe(pot);
    const mine = (await request(running.url).get(`/api/v1/rounds/${round.id}/me`).set(player.auth).expect(200)).body;
    expect(mine.positions.map((position: { status: string }) => position.status)).toEqual(['open', 'open']);
    expect(mine.sideBets).toEqual([]);
    expect((await roundById(running, round.id)).tick).toBe(round.tick);

    // Once a leader resumes the round, play goes on.
    await restartEngine();
    const resumed = await waitFor('the round to tick again', async () => {
      const body = await roundById(running, round.id);
      return body.tick > round.tick || body.status !== 'ACTIVE' ? body : null;
    });
    if (resumed.status === 'ACTIVE') {
      const close = await post(running, player, `/api/v1/rounds/${round.id}/positions/${positions[0]}/close`);
      expect(close.status === 200 || close.body.error === 'RoundStateConflict').toBe(true);
    }
    await waitForStatus(running, round.id, ['SETTLED'], 30000);
    expect(await potBalance(running, round.id)).toBe(0n);
  });

  it('a takeover whose path generator fails once steps down and resumes the round instead of freezing it', async () => {
    const { round } = await haltDuringActiveRound(async () => true);
    const chains = running.app.get(SeedChainsService);
    const original = chains.serverSeed.bind(chains);
    let failures = 0;
    jest.spyOn(chains, 'serverSeed').mockImplementation(async (manager, chainId, chainIndex) => {
      if (chainId === (await roundChain(round.id)) && failures === 0) {
        failures += 1;
        throw new Error('injected: seed chain unavailable');
      }
      return original(manager, chainId, chainIndex);
    });

    await restartEngine();
    await waitFor('the injected failure', async () => failures === 1, 10000);
    const resumed = await waitFor('the round to tick again', async () => {
      const body = await roundById(running, round.id);
      return body.tick > round.tick ? body : null;
    }, 10000);
    expect(['ACTIVE', 'ENDED', 'SETTLED']).toContain(resumed.status);
    const settled = await waitForStatus(running, round.id, ['SETTLED'], 30000);
    expect(settled.candles.map((candle) => candle.tick)).toEqual(Array.from({ length: settled.tick }, (_, i) => i + 1));
  });

  it('a settlement job that used up its attempts is retried when the round is enqueued again (the backstop)', async () => {
    const queue = running.app.get<Queue>(getQueueToken(ROUND_SETTLEMENT_QUEUE));
    const settlement = running.app.get(RoundSettlementService);
    const admin = await createAdmin(running);
    await waitFor('a leader', async () => engine.isLeader, 10000);
    const round = await waitForRound(running, 0, ['PENDING', 'ACTIVE']);

    // The round's job exists and failed for good before the round even ended (one attempt, failing).
    const original = settlement.settle.bind(settlement);
    let failedRuns = 0;
    jest.spyOn(settlement, 'settle').mockImplementation(async (roundId) => {
      if (roundId !== round.id) return original(roundId);
      failedRuns += 1;
      throw new Error('injected: settlement failed');
    });
    await queue.add('settle', { roundId: round.id }, { jobId: round.id, attempts: 1, removeOnFail: 1000 });
    await waitFor('the job to fail', async () => failedRuns === 1 && (await queue.getJobState(round.id)) === 'failed', 10000);

    // The round ends: its enqueue, then the backstop before each new round, retry the failed job (which fails again).
    await waitForStatus(running, round.id, ['ENDED'], 30000);
    await waitFor('the enqueues to retry the failed job', async () => failedRuns >= 2 && (await queue.getJobState(round.id)) === 'failed', 10000);
    expect((await roundById(running, round.id)).status).toBe('ENDED');

    // The cause is fixed; the engine's backstop enqueues unsettled rounds and this one settles.
    jest.restoreAllMocks();
    await (engine as unknown as { enqueueUnsettled(): Promise<void> }).enqueueUnsettled();
    const settled = await waitForStatus(running, round.id, ['SETTLED'], 10000);
    expect(settled.status).toBe('SETTLED');
    expect(await queue.getJobState(round.id)).toBe('completed');
    expect(await potBalance(running, round.id)).toBe(0n);
    expect((await reconcile(running, admin)).ok).toBe(true);
  });

  async function roundChain(roundId: string): Promise<string> {
    const [row] = (await running.app.get(DataSource).query(`SELECT chain_id FROM rounds WHERE id = $1`, [roundId])) as { chain_id: string }[];
    return row.chain_id;
  }
});
