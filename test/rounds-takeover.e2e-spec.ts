import Redis from 'ioredis';
import request from 'supertest';
import { REDIS } from '../src/redis/redis.module';
import { verifyRound } from '../src/rounds/fairness/round-verifier';
import { RoundEngine } from '../src/rounds/round-engine.service';
import { balancesOf, createAdmin, createFundedUser, reconcile } from './support/ledger';
import { FAST_ROUNDS, post, potBalance, resetRoundsVenue, RoundBody, roundById, usdc, waitFor, waitForRound, waitForStatus, withDatabase } from './support/rounds';
import { RunningApp, startTestApp, testConfig } from './support/test-app';

/** Two instances share the venue; the leader "crashes" (stops ticking and never releases its lease). */
describe('Rounds: the ticking leader dies (e2e)', () => {
  const apps: RunningApp[] = [];

  async function start(): Promise<RunningApp> {
    // Longer rounds, so the leader is usually stopped mid-round.
    const app = await startTestApp({ ...FAST_ROUNDS, ROUND_MAX_TICKS: '300' });
    apps.push(app);
    return app;
  }

  async function crash(app: RunningApp): Promise<void> {
    await app.app.get(RoundEngine).haltWithoutRelease();
    await app.close();
    apps.splice(apps.indexOf(app), 1);
  }

  async function ageLastTick(roundId: string): Promise<void> {
    await withDatabase(testConfig().databaseUrl, async (db) => {
      await db.query(`UPDATE rounds SET last_tick_at = now() - interval '1 minute' WHERE id = $1 AND status = 'ACTIVE'`, [roundId]);
    });
  }

  beforeAll(async () => {
    await resetRoundsVenue(testConfig().databaseUrl);
  });

  afterAll(async () => {
    for (const app of apps) await app.close();
  });

  it('another instance resumes from the last persisted tick when the gap is short, and the path still verifies', async () => {
    let follower = await start();
    let round: RoundBody | undefined;
    let stoppedAt = 0;
    // The leader is stopped mid-round; if the round happened to end just before, try again with a fresh pair.
    for (let attempt = 0; attempt < 5 && !round; attempt += 1) {
      const other = await start();
      const leaderApp = await waitFor('a leader', async () => [follower, other].find((app) => app.app.get(RoundEngine).isLeader));
      follower = leaderApp === follower ? other : follower;
      const player = await createFundedUser(follower);
      const active = await waitForRound(follower, 0, ['ACTIVE']);
      const position = await post(follower, player, `/api/v1/rounds/${active.id}/positions`, { side: 'long', amount: '10' });
      await leaderApp.app.get(RoundEngine).haltWithoutRelease();
      const halted = await roundById(follower, active.id);
      await crash(leaderApp);
      if (position.status === 201 && halted.status === 'ACTIVE') {
        round = halted;
        stoppedAt = halted.tick;
      }
    }
    expect(round).toBeDefined();
    const admin = await createAdmin(follower);

    // The lease (1 s) expires, the follower takes over and carries on from the persisted tick.
    await waitFor('the follower to lead', async () => follower.app.get(RoundEngine).isLeader, 10000);
    const settled = await waitForStatus(follower, round!.id, ['SETTLED'], 30000);
    expect(settled.tick).toBeGreaterThan(stoppedAt);
    expect(settled.candles.map((candle) => candle.tick)).toEqual(Array.from({ length: settled.tick }, (_, i) => i + 1));
    const verify = await request(follower.url).get(`/api/v1/rounds/${round!.id}/verify`).expect(200);
    expect(verifyRound(verify.body).ok).toBe(true);
    expect(await potBalance(follower, round!.id)).toBe(0n);
    expect((await reconcile(follower, admin)).ok).toBe(true);
  });

  it('voids the round and refunds every stake when the gap exceeds ROUND_RESUME_WINDOW_MS', async () => {
    const [leader] = apps;
    await waitFor('a leader', async () => leader.app.get(RoundEngine).isLeader, 10000);
    const player = await createFundedUser(leader);
    const admin = await createAdmin(leader);
    const before = usdc((await balancesOf(leader, player)).USDC.available);

    let round = await waitForRound(leader, 0, ['PENDING']);
    let bet = await post(leader, player, `/api/v1/rounds/${round.id}/side-bets`, { amount: '3' });
    let position = bet.status === 201 ? await postWhenActive() : undefined;
    async function postWhenActive() {
      await waitForStatus(leader, round.id, ['ACTIVE', 'ENDED', 'SETTLED']);
      return post(leader, player, `/api/v1/rounds/${round.id}/positions`, { side: 'short', amount: '20' });
    }
    while (bet.status !== 201 || position?.status !== 201) {
      // The round ended too early to set up; let it settle and try the next one.
      await waitForStatus(leader, round.id, ['SETTLED']);
      const after = usdc((await balancesOf(leader, player)).USDC.available);
      expect(after).toBeGreaterThanOrEqual(0n);
      round = await waitForRound(leader, round.number, ['PENDING']);
      bet = await post(leader, player, `/api/v1/rounds/${round.id}/side-bets`, { amount: '3' });
      position = bet.status === 201 ? await postWhenActive() : undefined;
    }
    const funded = usdc((await balancesOf(leader, player)).USDC.available);
    await crash(leader);
    // The process stayed dead longer than the resume window; then a new instance starts.
    await ageLastTick(round.id);
    const successor = await start();

    const voided = await waitFor('the round to be refunded', async () => {
      const body = (await request(successor.url).get(`/api/v1/rounds/${round.id}`).expect(200)).body;
      return body.settledAt ? body : null;
    });
    expect(voided.status).toBe('VOIDED');
    expect(voided.serverSeed).toMatch(/^[0-9a-f]{64}$/);
    expect((await request(successor.url).get(`/api/v1/rounds/${round.id}/verify`)).status).toBe(409);
    const mine = (await request(successor.url).get(`/api/v1/rounds/${round.id}/me`).set(player.auth).expect(200)).body;
    expect(mine.positions[0]).toMatchObject({ status: 'closed', payout: '20.000000', pnl: '0.000000' });
    expect(mine.sideBets[0]).toMatchObject({ status: 'refunded', payout: '3.000000' });
    expect(funded).toBe(before - usdc('23'));
    expect(usdc((await balancesOf(successor, player)).USDC.available)).toBe(before);
    expect(await potBalance(successor, round.id)).toBe(0n);
    expect((await reconcile(successor, admin)).ok).toBe(true);
  });

  it('fences a leader whose token was superseded: its next tick is refused, it steps down, and the round goes on once it leads again', async () => {
    const [app] = apps;
    const engine = app.app.get(RoundEngine);
    await waitFor('a leader', async () => engine.isLeader, 10000);
    const round = await waitForRound(app, 0, ['ACTIVE']);

    // A newer leader's claim: the next fencing token, written on the round.
    const redis = app.app.get<Redis>(REDIS);
    const newer = await redis.incr(`${app.config.redisKeyPrefix}:rounds:engine-leader:fence`);
    await withDatabase(app.config.databaseUrl, async (db) => {
      await db.query(`UPDATE rounds SET leader_token = $1 WHERE id = $2 AND status = 'ACTIVE'`, [newer, round.id]);
    });
    const fenced = await roundById(app, round.id);
    if (fenced.status !== 'ACTIVE') return expect(['ENDED', 'SETTLED']).toContain(fenced.status);

    await waitFor('the fenced leader to step down', async () => !engine.isLeader, 5000, 2);
    const frozen = (await roundById(app, round.id)).tick;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await roundById(app, round.id)).tick).toBe(frozen);

    // Its lease expires; it leads again with a newer token and resumes the round.
    await waitFor('leading again', async () => engine.isLeader, 10000);
    const settled = await waitForStatus(app, round.id, ['SETTLED'], 30000);
    expect(settled.candles.map((candle) => candle.tick)).toEqual(Array.from({ length: settled.tick }, (_, i) => i + 1));
    const verify = await request(app.url).get(`/api/v1/rounds/${round.id}/verify`).expect(200);
    expect(verifyRound(verify.body).ok).toBe(true);
  });
});
