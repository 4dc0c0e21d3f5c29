import request from 'supertest';
import { balancesOf, createAdmin, createFundedUser } from './support/ledger';
import { currentRound, resetRoundsVenue, usdc, waitFor, waitForStatus } from './support/rounds';
import { closeSockets, collect, connectSocket } from './support/sockets';
import { RunningApp, startTestApp, testConfig } from './support/test-app';
import type { TestUser } from './support/users';
import { StrategyRunner } from '../src/strategies/strategy-runner.service';

/** Short rounds, but ticks slow enough that a runner's stake lands on the tick its rule fired at, even on a busy machine. */
const STRATEGY_ROUNDS = {
  ROUNDS_ENGINE_ENABLED: 'true',
  ROUND_TICK_MS: '150',
  // On a loaded machine a stake's transaction can outlast 500 ms; a late stake (slipped) would differ from the backtest.
  ROUND_TICK_HOOK_BUDGET_MS: '5000',
  ROUND_COOLDOWN_MS: '300',
  ROUND_MAX_TICKS: '30',
  ROUND_LEASE_MS: '1000',
  ROUND_RESUME_WINDOW_MS: '4000',
  ROUND_MIN_STAKE: '1',
  ROUND_MAX_STAKE: '100',
};

interface StrategyBody {
  id: string;
  status: string;
  stopReason: string | null;
  session: { sessionId: string; fromRound: number; startingBalance: string; balance: string; pnl: string; roundsPlayed: number; trades: number } | null;
}

interface LiveRounds {
  sessionId: string;
  rounds: { roundId: string; roundNumber: number; pnl: string; wagered: string; trades: number; balanceAfter: string; declined: number; slipped: number }[];
}

interface PerformanceFigures {
  startingBalance: string;
  endingBalance: string;
  roundsPlayed: number;
  roundsStaked: number;
  roundsWon: number;
  bets: number;
  wagered: string;
  fees: string;
  profit: string;
  winRate: string;
  maxDrawdown: string;
  sharpeRatio: string | null;
}

interface PerformanceBody {
  strategyId: string;
  sessions: { sessionId: string; fromRound: number | null; toRound: number | null; current: boolean; performance: PerformanceFigures }[];
}

interface BacktestBody {
  startingBalance: string;
  performance: PerformanceFigures;
  roundsAvailable: number;
  rounds: { roundId: string; roundNumber: number; pnl: string; wagered: string; fees: string; trades: number; balanceAfter: string; pathMatches: boolean }[];
  totals: { pnl: string; endingBalance: string; trades: number; roundsPlayed: number; winRate: string; maxDrawdown: string; stoppedBy: string | null };
}

interface MineBody {
  positions: { amount: string; status: string; payout: string | null }[];
  sideBets: { amount: string; status: string; payout: string | null }[];
}

describe('Strategies: the server plays a strategy live and the backtest of those rounds equals it (e2e)', () => {
  let running: RunningApp;
  let admin: TestUser;

  beforeAll(async () => {
    await resetRoundsVenue(testConfig().databaseUrl);
    running = await startTestApp(STRATEGY_ROUNDS);
    admin = await createAdmin(running);
  });

  afterAll(async () => {
    closeSockets();
    await running?.close();
  });

  const create = (user: TestUser, body: object) => request(running.url).post('/api/v1/strategies').set(user.auth).send(body);

  /** Plays a strategy until it stops by itself, then checks the live rounds against the ledger and the backtest, to the minor unit. */
  async function playUntilStopped(user: TestUser, body: object, options: { restartMidRound?: boolean } = {}): Promise<{ strategy: StrategyBody; live: LiveRounds; backtest: BacktestBody; restarted: boolean }> {
    const created = await create(user, body).expect(201);
    const id = (created.body as StrategyBody).id;
    const started = (await request(running.url).post(`/api/v1/strategies/${id}/start`).set(user.auth).expect(200)).body as StrategyBody;
    expect(started).toMatchObject({ status: 'running', session: { startingBalance: '1000.000000', pnl: '0.000000', roundsPlayed: 0 } });
    // Rules are fixed while it runs.
    await request(running.url).patch(`/api/v1/strategies/${id}`).set(user.auth).send({ limits: {} }).expect(409);

    let restarted = false;
    if (options.restartMidRound) {
      // Once the first round has played a few ticks (the strategy has acted), the runner loses its memory as a
      // restarted process would: it rebuilds the play from the persisted candles and replays the same keys.
      const round = await waitFor(
        'the first round of the session past tick 6',
        async () => {
          const current = await currentRound(running);
          if (!current || current.number !== started.session!.fromRound) return null;
          if (current.status === 'PENDING') return null;
          return current.status !== 'ACTIVE' || current.tick >= 6 ? current : null;
        },
        30_000,
        20,
      );
      if (round.status === 'ACTIVE') {
        running.app.get(StrategyRunner).forgetLiveRounds();
        restarted = true;
      }
    }

    const strategy = await waitFor(
      `strategy ${id} to stop`,
      async () => {
        const current = (await request(running.url).get(`/api/v1/strategies/${id}`).set(user.auth).expect(200)).body as StrategyBody;
        return current.status === 'stopped' ? current : null;
      },
      120_000,
      200,
    );
    await request(running.url).post(`/api/v1/strategies/${id}/stop`).set(user.auth).expect(200);
    const live = (await request(running.url).get(`/api/v1/strategies/${id}/rounds`).set(user.auth).expect(200)).body as LiveRounds;
    expect(live.rounds.length).toBe(strategy.session!.roundsPlayed);
    // Every stake filled at the tick its rule fired on (the engine waits for the runner's stakes) and none was refused.
    expect(live.rounds.map(({ roundNumber, declined, slipped }) => ({ roundNumber, declined, slipped }))).toEqual(
      live.rounds.map(({ roundNumber }) => ({ roundNumber, declined: 0, slipped: 0 })),
    );

    // What happened live, from the venue's own rows once each round settled: payouts minus amounts paid.
    let ledgerPnl = 0n;
    for (const round of live.rounds) {
      await waitForStatus(running, round.roundId, ['SETTLED'], 20_000);
      const mine = (await request(running.url).get(`/api/v1/rounds/${round.roundId}/me`).set(user.auth).expect(200)).body as MineBody;
      const items = [...mine.positions, ...mine.sideBets];
      const pnl = items.reduce((sum, item) => sum + usdc(item.payout ?? '0') - usdc(item.amount), 0n);
      expect({ round: round.roundNumber, pnl }).toEqual({ round: round.roundNumber, pnl: usdc(round.pnl) });
      expect(items.length).toBe(round.trades);
      ledgerPnl += pnl;
    }
    expect(usdc(strategy.session!.pnl)).toBe(ledgerPnl);
    expect(usdc((await balancesOf(running, user)).USDC.available)).toBe(usdc('1000') + ledgerPnl);

    const first = live.rounds[0].roundNumber;
    const last = live.rounds.at(-1)!.roundNumber;
    const backtest = (
      await request(running.url)
        .post(`/api/v1/strategies/${id}/backtest`)
        .set(user.auth)
        .send({ fromRound: first, toRound: last, startingBalance: strategy.session!.startingBalance })
        .expect(200)
    ).body as BacktestBody;
    expect(backtest.rounds.every((round) => round.pathMatches)).toBe(true);
    expect(backtest.rounds.map(({ roundId, roundNumber, pnl, wagered, trades, balanceAfter }) => ({ roundId, roundNumber, pnl, wagered, trades, balanceAfter }))).toEqual(
      live.rounds.map(({ roundId, roundNumber, pnl, wagered, trades, balanceAfter }) => ({ roundId, roundNumber, pnl, wagered, trades, balanceAfter })),
    );
    expect(usdc(backtest.totals.pnl)).toBe(ledgerPnl);
    expect(backtest.totals.endingBalance).toBe(strategy.session!.balance);
    expect(backtest.totals.stoppedBy).toBe(strategy.stopReason);
    // A pure computation: the same request, the same answer.
    const again = await request(running.url)
      .post(`/api/v1/strategies/${id}/backtest`)
      .set(user.auth)
      .send({ fromRound: first, toRound: last, startingBalance: strategy.session!.startingBalance })
      .expect(200);
    expect(again.body).toEqual(backtest);

    // The tracked live performance of the session equals the backtest's figures for the same rounds, to the minor unit.
    const performance = (await request(running.url).get(`/api/v1/strategies/${id}/performance`).set(user.auth).expect(200)).body as PerformanceBody;
    expect(performance.strategyId).toBe(id);
    expect(performance.sessions).toHaveLength(1);
    expect(performance.sessions[0]).toMatchObject({ sessionId: live.sessionId, fromRound: first, toRound: last, current: true });
    expect(performance.sessions[0].performance).toEqual(backtest.performance);
    expect(performance.sessions[0].performance).toMatchObject({
      startingBalance: strategy.session!.startingBalance,
      endingBalance: strategy.session!.balance,
      profit: strategy.session!.pnl,
      roundsPlayed: live.rounds.length,
      bets: live.rounds.reduce((sum, round) => sum + round.trades, 0),
      winRate: backtest.totals.winRate,
      maxDrawdown: backtest.totals.maxDrawdown,
    });
    return { strategy, live, backtest, restarted };
  }

  it('plays positions with exits and martingale side bets for three rounds, then stops at maxRounds; the backtest equals the ledger', async () => {
    const alice = await createFundedUser(running);
    const socket = await connectSocket(running, { auth: { token: alice.token } });
    const updates = collect<StrategyBody>(socket, 'strategy:update');
    const { strategy, live, backtest, restarted } = await playUntilStopped(
      alice,
      {
      name: 'early long with a side bet',
      venue: 'rounds',
      rules: {
        entry: { side: 'long', when: { kind: 'tick', tick: 2 }, sizing: { kind: 'fraction-of-balance', fraction: '0.005' }, exit: { takeProfit: '1.1', stopLoss: '0.1', afterTicks: 12 } },
        sideBet: { when: { kind: 'tick-range', from: 4, to: 20 }, sizing: { kind: 'martingale', base: '1', multiplier: '2', maxStake: '4' } },
      },
      limits: { maxRounds: 3, maxStakePerRound: '20' },
      },
      { restartMidRound: true },
    );
    expect(strategy).toMatchObject({ status: 'stopped', stopReason: 'max-rounds', session: { roundsPlayed: 3 } });
    // The runner forgot the first round mid-way (unless it rugged before tick 6): it was still played to its end and recorded
    // once, and the venue's rows in it equal the play's trades (checked above): nothing was done twice.
    if (restarted) expect(live.rounds[0].roundNumber).toBe(strategy.session!.fromRound);
    expect(live.rounds).toHaveLength(3);
    expect(backtest.totals.roundsPlayed).toBe(3);
    // Every round staked: the entry at tick 2 and the side bet at tick 4 both come before any 30-tick round ends, unless it rugged first.
    expect(live.rounds.some((round) => round.trades > 0)).toBe(true);
    // The user heard each step on user:<id>: the start, every round, the stop.
    await waitFor('strategy updates', async () => (updates.filter((update) => update.id === strategy.id && update.status === 'stopped').length > 0 ? true : null), 5000);
    expect(updates.filter((update) => update.id === strategy.id).length).toBeGreaterThanOrEqual(4);
  }, 180_000);

  it('stops on its loss limit, and the backtest of those rounds stops at the same round with the same P&L', async () => {
    // From now on a won side bet only returns its stake: every round of this strategy loses its bet or breaks even.
    await request(running.url).put('/api/v1/admin/rounds/config').set(admin.auth).send({ sideBetMultiplier: '1' }).expect(200);
    const bob = await createFundedUser(running);
    const { strategy, live } = await playUntilStopped(bob, {
      name: 'side bets until down 5',
      venue: 'rounds',
      rules: { sideBet: { when: { kind: 'tick-range', from: 1, to: 5 }, sizing: { kind: 'fixed', amount: '2' } } },
      limits: { stopAfterLoss: '5', maxRounds: 12 },
    });
    expect(strategy).toMatchObject({ status: 'stopped', stopReason: 'loss-limit' });
    const pnl = usdc(strategy.session!.pnl);
    expect(pnl).toBeLessThanOrEqual(-usdc('5'));
    expect(pnl - usdc(live.rounds.at(-1)!.pnl)).toBeGreaterThan(-usdc('5'));
    await request(running.url).put('/api/v1/admin/rounds/config').set(admin.auth).send({ sideBetMultiplier: '5' }).expect(200);
  }, 180_000);

  it('publishes the schema and answers a bad document with a 400 naming the field by its schema path', async () => {
    const schema = await request(running.url).get('/api/v1/strategies/schema').expect(200);
    expect(schema.body).toMatchObject({ $schema: 'https://json-schema.org/draft/2020-12/schema', $defs: { rules: expect.any(Object), sizing: expect.any(Object) } });
    const carol = await createFundedUser(running);
    const base = { name: 'bad', venue: 'rounds' };
    const bad = await create(carol, { ...base, rules: { entry: { side: 'long', when: { kind: 'tick', tick: 1 }, sizing: { kind: 'fixed', amount: '1.1234567' } } } }).expect(400);
    expect(bad.body).toMatchObject({ error: 'ValidationFailed', message: expect.stringMatching(/^rules\/entry\/sizing\/amount must match/) });
    const kind = await create(carol, { ...base, rules: { sideBet: { when: { kind: 'sometimes' }, sizing: { kind: 'fixed', amount: '1' } } } }).expect(400);
    expect(kind.body.message).toMatch(/^rules\/sideBet\/when\/kind must be one of "expected-value", "tick-range"/);
    const limits = await create(carol, { ...base, rules: { sideBet: { when: { kind: 'tick-range', from: 1, to: 2 }, sizing: { kind: 'fixed', amount: '1' } } }, limits: { maxRounds: 0 } }).expect(400);
    expect(limits.body.message).toBe('limits/maxRounds must be at least 1');
    const venue = await create(carol, { ...base, venue: 'perps', rules: {} }).expect(400);
    expect(venue.body.error).toBe('ValidationFailed');
  });

  it("answers someone else's strategy with 404 on every route, like a strategy that does not exist", async () => {
    const owner = await createFundedUser(running);
    const other = await createFundedUser(running);
    const created = await create(owner, {
      name: 'mine',
      venue: 'rounds',
      rules: { sideBet: { when: { kind: 'expected-value', min: 0.5 }, sizing: { kind: 'kelly', maxFraction: '0.01' } } },
    }).expect(201);
    const id = created.body.id as string;
    const path = `/api/v1/strategies/${id}`;
    await request(running.url).get(path).set(other.auth).expect(404);
    await request(running.url).patch(path).set(other.auth).send({ name: 'theirs' }).expect(404);
    await request(running.url).post(`${path}/start`).set(other.auth).expect(404);
    await request(running.url).post(`${path}/stop`).set(other.auth).expect(404);
    await request(running.url).post(`${path}/backtest`).set(other.auth).send({ startingBalance: '10' }).expect(404);
    await request(running.url).get(`${path}/rounds`).set(other.auth).expect(404);
    await request(running.url).get(`${path}/performance`).set(other.auth).expect(404);
    await request(running.url).delete(path).set(other.auth).expect(404);
    const listed = await request(running.url).get('/api/v1/strategies').set(other.auth).expect(200);
    expect(listed.body.data).toEqual([]);
    await request(running.url).get('/api/v1/strategies/not-a-uuid').set(owner.auth).expect(404);

    // Never started: no session, no figures.
    expect((await request(running.url).get(`${path}/performance`).set(owner.auth).expect(200)).body).toEqual({ strategyId: id, sessions: [] });

    const renamed = await request(running.url).patch(path).set(owner.auth).send({ name: 'still mine' }).expect(200);
    expect(renamed.body).toMatchObject({ id, name: 'still mine', status: 'stopped', session: null });
    const mine = await request(running.url).get('/api/v1/strategies').set(owner.auth).expect(200);
    expect(mine.body.data.map((item: { id: string }) => item.id)).toEqual([id]);
    await request(running.url).delete(path).set(owner.auth).expect(204);
    await request(running.url).get(path).set(owner.auth).expect(404);
  });
});
