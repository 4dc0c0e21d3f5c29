import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import request from 'supertest';
import { ANALYTICS_QUEUE } from '../src/analytics/analytics-jobs';
import { LeaderboardService } from '../src/analytics/leaderboard.service';
import { balancesOf, createAdmin, createFundedUser } from './support/ledger';
import { FAST_ROUNDS, post, resetRoundsVenue, usdc, waitFor, waitForRound, waitForStatus } from './support/rounds';
import { RunningApp, startTestApp, testConfig } from './support/test-app';
import { TestUser } from './support/users';

interface VenueStats {
  trades: number;
  wins: number;
  winRate: string | null;
  volume: string;
  pnl: string;
  openPositions: number;
}

interface PlayerStats {
  userId: string;
  displayName: string | null;
  overall: VenueStats;
  venues: { rounds: VenueStats; markets: VenueStats; perps: VenueStats };
}

interface Entry {
  rank: number;
  userId: string | null;
  displayName: string | null;
  value: string;
}

describe('Analytics: statistics and leaderboards after real rounds, over HTTP (e2e)', () => {
  let running: RunningApp;
  let admin: TestUser;
  let alice: TestUser;
  let bob: TestUser;
  const played: string[] = [];

  const stats = async (user: TestUser, period = 'all') => (await request(running.url).get(`/api/v1/me/stats?period=${period}`).set(user.auth).expect(200)).body as PlayerStats;

  beforeAll(async () => {
    await resetRoundsVenue(testConfig().databaseUrl);
    running = await startTestApp(FAST_ROUNDS);
    // Earlier suites share the boards, and a process they killed (kill -9) lost the incremental update of what it had
    // just settled, which only a rebuild restores: start from a rebuilt board.
    await running.app.get(LeaderboardService).rebuild();
    admin = await createAdmin(running);
    alice = await createFundedUser(running);
    bob = await createFundedUser(running);

    // Alice bets on an early rug and goes long, Bob goes short, in a few rounds (a round that rugs before their
    // positions are in still counts its side bet).
    let previous = 0;
    while (played.length < 3) {
      const round = await waitForRound(running, previous, ['PENDING']);
      previous = round.number;
      await post(running, alice, `/api/v1/rounds/${round.id}/side-bets`, { amount: '2' }).expect(201);
      await waitForStatus(running, round.id, ['ACTIVE', 'ENDED', 'SETTLED']);
      await post(running, alice, `/api/v1/rounds/${round.id}/positions`, { side: 'long', amount: '5' });
      await post(running, bob, `/api/v1/rounds/${round.id}/positions`, { side: 'short', amount: '3' });
      played.push(round.id);
    }
    await request(running.url).post('/api/v1/admin/rounds/pause').set(admin.auth).expect(200);
    for (const id of played) await waitForStatus(running, id, ['SETTLED'], 30_000);
    // Statistics rows are written by the listener right after each settlement commits.
    await waitFor('round statistics', async () => (await request(running.url).get(`/api/v1/rounds/${played[played.length - 1]}/stats`)).status === 200);
  }, 120_000);

  afterAll(async () => {
    await running?.close();
  });

  it('your own stats equal what your balance did', async () => {
    for (const user of [alice, bob]) {
      const mine = await stats(user);
      const available = usdc((await balancesOf(running, user)).USDC.available);
      expect(usdc(mine.overall.pnl)).toBe(available - usdc('1000'));
      expect(mine.overall.openPositions).toBe(0);
      expect(mine.venues.rounds).toEqual(mine.overall);
    }
    const aliceStats = await stats(alice, 'today');
    expect(aliceStats.venues.rounds.trades).toBeGreaterThanOrEqual(3);
    expect(usdc(aliceStats.venues.rounds.volume)).toBeGreaterThanOrEqual(usdc('6'));
    await request(running.url).get('/api/v1/me/stats?period=year').set(alice.auth).expect(400);
    await request(running.url).get('/api/v1/me/stats').expect(401);
  });

  it('a private profile is 404 to others until made public, and never 404 to its owner', async () => {
    await request(running.url).get(`/api/v1/users/${alice.id}/stats`).set(bob.auth).expect(404);
    await request(running.url).get(`/api/v1/users/${alice.id}/stats`).expect(404);
    await request(running.url).get(`/api/v1/users/not-a-uuid/stats`).expect(404);
    await request(running.url).get(`/api/v1/users/${alice.id}/stats`).set(alice.auth).expect(200);

    const profile = await request(running.url).patch('/api/v1/me/profile').set(alice.auth).send({ displayName: `Alice ${alice.id.slice(0, 8)}`, public: true }).expect(200);
    expect(profile.body).toEqual({ userId: alice.id, displayName: `Alice ${alice.id.slice(0, 8)}`, public: true });
    await request(running.url).patch('/api/v1/me/profile').set(bob.auth).send({ displayName: null }).expect(400);
    await request(running.url).patch('/api/v1/me/profile').set(bob.auth).send({ displayName: `alice ${alice.id.slice(0, 8)}` }).expect(409);

    const seen = (await request(running.url).get(`/api/v1/users/${alice.id}/stats?period=7d`).set(bob.auth).expect(200)).body as PlayerStats;
    expect(seen).toMatchObject({ userId: alice.id, displayName: `Alice ${alice.id.slice(0, 8)}` });
    expect(seen.overall).toEqual((await stats(alice, '7d')).overall);
  });

  it('round statistics, the interval series, the survival curve and tick timing', async () => {
    const roundId = played[0];
    const figures = (await request(running.url).get(`/api/v1/rounds/${roundId}/stats`).expect(200)).body;
    expect(figures).toMatchObject({ roundId, status: 'SETTLED', sideBetsPlaced: 1, uniquePlayers: expect.any(Number) });
    expect(usdc(figures.payouts) + usdc(figures.houseResult) + usdc(figures.fees)).toBe(usdc(figures.volume));

    const from = new Date(Date.now() - 3_600_000).toISOString();
    const to = new Date(Date.now() + 60_000).toISOString();
    const series = (await request(running.url).get(`/api/v1/rounds/stats?from=${from}&to=${to}&interval=1h`).expect(200)).body;
    expect(series.points.reduce((sum: number, point: { rounds: number }) => sum + point.rounds, 0)).toBeGreaterThanOrEqual(3);
    await request(running.url).get(`/api/v1/rounds/stats?from=${to}&to=${from}`).expect(400);

    const survival = (await request(running.url).get('/api/v1/rounds/stats/survival?ticks=80&step=20').expect(200)).body;
    expect(survival).toMatchObject({ rugProbability: 0.005, maxTicks: 80 });
    expect(survival.points.map((point: { tick: number }) => point.tick)).toEqual([0, 20, 40, 60, 80]);
    expect(survival.points[4]).toMatchObject({ empirical: 0, theoretical: 0 });

    const timing = (await request(running.url).get(`/api/v1/rounds/${roundId}/timing`).expect(200)).body;
    expect(timing).toMatchObject({ roundId, tickMs: 20, recorded: true });
    expect(timing.ticks).toBeGreaterThan(0);
    expect(timing.p99DeviationMs).toBeGreaterThanOrEqual(timing.p50DeviationMs);
    const hourly = (await request(running.url).get(`/api/v1/rounds/timing?from=${from}&to=${to}`).expect(200)).body;
    expect(hourly.hours[hourly.hours.length - 1]).toMatchObject({ rounds: expect.any(Number), p50DeviationMs: expect.any(Number), p99DeviationMs: expect.any(Number) });
    await request(running.url).get('/api/v1/rounds/00000000-0000-4000-8000-000000000000/timing').expect(404);
  });

  it('leaderboards show public players by name and your own rank; a rebuild from PostgreSQL equals the incremental state', async () => {
    const board = (await request(running.url).get('/api/v1/leaderboards?venue=rounds&metric=pnl&period=all&limit=100').set(bob.auth).expect(200)).body as {
      players: number;
      entries: Entry[];
      me: Entry | null;
    };
    // Earlier suites' players share the database (and so the boards): ours are two of them.
    expect(board.players).toBeGreaterThanOrEqual(2);
    expect(board.me).toMatchObject({ userId: bob.id, value: (await stats(bob)).venues.rounds.pnl });
    expect(board.entries.find((entry) => entry.userId === alice.id)).toMatchObject({ displayName: `Alice ${alice.id.slice(0, 8)}`, value: (await stats(alice)).venues.rounds.pnl });
    const anonymous = (await request(running.url).get('/api/v1/leaderboards?venue=all&metric=volume&period=day&limit=100').expect(200)).body as { entries: Entry[]; me: Entry | null };
    expect(anonymous.me).toBeNull();
    expect(anonymous.entries.find((entry) => entry.userId === bob.id)).toBeUndefined();
    expect(anonymous.entries.length).toBeGreaterThanOrEqual(2);
    await request(running.url).get('/api/v1/leaderboards?metric=fame').expect(400);

    const leaderboards = running.app.get(LeaderboardService);
    const incremental = await leaderboards.dump();
    expect(Object.keys(incremental).length).toBeGreaterThan(0);
    await request(running.url).post('/api/v1/admin/analytics/rebuild').set(bob.auth).expect(403);
    const { jobId } = (await request(running.url).post('/api/v1/admin/analytics/rebuild').set(admin.auth).expect(202)).body as { jobId: string };
    const queue = running.app.get<Queue>(getQueueToken(ANALYTICS_QUEUE));
    const result = await waitFor('the rebuild job', async () => {
      const job = await queue.getJob(jobId);
      if (job && (await job.isFailed())) throw new Error(`rebuild failed: ${job.failedReason}`);
      return job && (await job.isCompleted()) ? job.returnvalue : null;
    });
    expect(result).toMatchObject({ settlements: expect.any(Number) });
    expect(await leaderboards.dump()).toEqual(incremental);
  });
});
