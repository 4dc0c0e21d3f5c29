import request from 'supertest';
import { positionPayout, sideBetPayout } from '../src/rounds/fairness/payouts';
import { verifyRound } from '../src/rounds/fairness/round-verifier';
import { RoundsService } from '../src/rounds/rounds.service';
import { recomputePath } from '../src/strategies/core/backtest';
import { balancesOf, createAdmin, createFundedUser, reconcile } from './support/ledger';
import { currentRound, FAST_ROUNDS, post, potBalance, priceUnits, resetRoundsVenue, RoundBody, usdc, waitFor, waitForRound, waitForStatus } from './support/rounds';
import { RunningApp, startTestApp, testConfig } from './support/test-app';
import { closeSockets, collect, connectSocket, eventually, request as ask } from './support/sockets';
import { TestUser } from './support/users';
import { formatUsdc } from '../src/common/money/usdc';

interface PositionBody {
  id: string;
  side: 'long' | 'short';
  amount: string;
  fee: string;
  stake: string;
  entryTick: number;
  entryPrice: string;
  status: string;
  exitTick: number | null;
  exitPrice: string | null;
  payout: string | null;
  pnl: string | null;
}

interface MineBody {
  positions: { amount: string; status: string; payout: string | null }[];
  sideBets: { amount: string; status: string; payout: string | null }[];
}

/** The caller's positions and side bets in a round, once settlement has closed and resolved all of them. */
function resolvedItemsOf(running: RunningApp, roundId: string, user: TestUser): Promise<MineBody> {
  return waitFor(`round ${roundId} settled for ${user.id}`, async () => {
    const mine = (await request(running.url).get(`/api/v1/rounds/${roundId}/me`).set(user.auth).expect(200)).body as MineBody;
    const resolved = mine.positions.every((p) => p.status === 'closed') && mine.sideBets.every((b) => b.status !== 'active');
    return resolved ? mine : null;
  });
}

interface SideBetBody {
  id: string;
  amount: string;
  startTick: number;
  endTick: number;
  payoutMultiplier: string;
  status: string;
  payout: string | null;
}

describe('Rounds: a full round at a fast tick (e2e)', () => {
  let running: RunningApp;
  let admin: TestUser;

  beforeAll(async () => {
    await resetRoundsVenue(testConfig().databaseUrl);
    running = await startTestApp(FAST_ROUNDS);
    admin = await createAdmin(running);
  });

  afterAll(async () => {
    closeSockets();
    await running?.close();
  });

  it('publishes the chain commitment before rounds use it', async () => {
    const { body } = await request(running.url).get('/api/v1/rounds/fairness').expect(200);
    expect(body).toEqual({
      terminalHash: expect.stringMatching(/^[0-9a-f]{64}$/),
      chainLength: 10000,
      roundsUsed: expect.any(Number),
      nextTerminalHash: expect.stringMatching(/^[0-9a-f]{64}$/),
      nextChainLength: 10000,
      algorithm: 'cm-v1',
    });
    expect(body.nextTerminalHash).not.toBe(body.terminalHash);
  });

  // The rules of each command (limits, ownership, states, settling once) are scenarios in test/medium/rounds.medium-spec.ts;
  // this case is what a client sees over HTTP and Socket.IO through one real round.
  it('plays positions and a side bet through a round, settles it once, and the verifier recomputes it', async () => {
    const alice = await createFundedUser(running);
    const bob = await createFundedUser(running);

    // Alice watches the venue over Socket.IO while she plays.
    const socket = await connectSocket(running, { auth: { token: alice.token } });
    const subscribed = await ask<{ ok: boolean; snapshot: { round: { id: string }; candles: unknown[] } | null }>(socket, 'subscribe', { channel: 'rounds' });
    expect(subscribed.ok).toBe(true);
    const states = collect<{ id: string; status: string }>(socket, 'round:state');
    const candles = collect<{ roundId: string; tick: number; close: string }>(socket, 'round:candle');
    const trades = collect<{ roundId: string; kind: string; action: string }>(socket, 'round:trade');
    const ended = collect<{ id: string; serverSeed: string }>(socket, 'round:ended');
    const positionUpdates = collect<{ id: string; kind: string; status: string }>(socket, 'position:update');
    const balanceUpdates = collect<{ asset: string; available: string }>(socket, 'balance:update');

    // A round can rug before both positions are in; then the next round is played.
    let round: RoundBody | undefined;
    let sideBet: SideBetBody | undefined;
    let closed: PositionBody | undefined;
    let open: PositionBody | undefined;
    let previous = 0;
    let earlyPositions = 0;
    const attemptedRoundIds: string[] = [];
    for (let attempt = 0; attempt < 6 && !open; attempt += 1) {
      round = await waitForRound(running, previous, ['PENDING']);
      previous = round.number;
      attemptedRoundIds.push(round.id);
      const joined = await ask<{ ok: boolean; snapshot: { round: { id: string; status: string } } }>(socket, 'subscribe', { channel: `round:${round.id}` });
      expect(joined).toMatchObject({ ok: true, snapshot: { round: { id: round.id } } });
      expect(round.serverSeed).toBeNull();
      expect(round.salt).toBeNull();
      expect(round.countdownMs).toBeGreaterThanOrEqual(0);

      const odds = await request(running.url).get(`/api/v1/rounds/${round.id}/odds`).expect(200);
      expect(odds.body).toMatchObject({ startTick: 1, endTick: 40, window: 40, payoutMultiplier: '5' });
      expect(odds.body.winProbability).toBeCloseTo(1 - Math.pow(0.995, 40), 12);
      expect(odds.body.houseEdge).toBeCloseTo(1 - 5 * odds.body.winProbability, 12);

      // Positions wait for ACTIVE; side bets are taken while PENDING.
      const early = await post(running, alice, `/api/v1/rounds/${round.id}/positions`, { side: 'long', amount: '10' });
      // On a loaded machine the round can turn ACTIVE before this request lands; then it is a real position.
      earlyPositions = early.status === 201 ? 1 : 0;
      if (early.status !== 201) expect(early.body.error).toBe('RoundStateConflict');
      const bet = await post(running, alice, `/api/v1/rounds/${round.id}/side-bets`, { amount: '5' });
      if (bet.status !== 201) continue;
      sideBet = bet.body as SideBetBody;

      await waitForStatus(running, round.id, ['ACTIVE', 'ENDED', 'SETTLED']);
      const long = await post(running, alice, `/api/v1/rounds/${round.id}/positions`, { side: 'long', amount: '10' });
      const short = await post(running, bob, `/api/v1/rounds/${round.id}/positions`, { side: 'short', amount: '20' });
      if (long.status !== 201 || short.status !== 201) {
        // The round ended between the two opens: whatever got in settles in that round; play the next one.
        expect([long.body.error, short.body.error]).toContain('RoundStateConflict');
        continue;
      }
      expect(long.body).toMatchObject({ side: 'long', amount: '10.000000', fee: '0.100000', stake: '9.900000', status: 'open', exitTick: null, payout: null, pnl: null });


      const close = await post(running, alice, `/api/v1/rounds/${round.id}/positions/${long.body.id}/close`);
      if (close.status !== 200) {
        // The round ended first: the settlement closes the long instead; still a full round. Whether the close
        // arrives while the round is ending or once the settlement closed the position decides which refusal it gets.
        expect(['RoundStateConflict', 'PositionAlreadyClosed']).toContain(close.body.error);
        closed = long.body as PositionBody;
        open = short.body as PositionBody;
        break;
      }
      closed = close.body as PositionBody;
      open = short.body as PositionBody;
      expect(closed.status).toBe('closed');
    }
    expect(round && sideBet && closed && open).toBeTruthy();
    const roundId = round!.id;

    const settled = await waitForStatus(running, roundId, ['SETTLED']);
    expect(settled.serverSeed).toMatch(/^[0-9a-f]{64}$/);
    const finalClose = priceUnits(settled.price);
    const closeAt = (tick: number) => priceUnits(settled.candles.find((candle) => candle.tick === tick)!.close);
    expect(settled.candles.map((candle) => candle.tick)).toEqual(Array.from({ length: settled.tick }, (_, i) => i + 1));
    expect(settled.rugTick === null ? settled.tick === settled.params.maxTicks : settled.rugTick === settled.tick).toBe(true);

    // Every payout is the formula on the published candles.
    const mineA = (await request(running.url).get(`/api/v1/rounds/${roundId}/me`).set(alice.auth).expect(200)).body as { positions: PositionBody[]; sideBets: SideBetBody[] };
    const mineB = (await request(running.url).get(`/api/v1/rounds/${roundId}/me`).set(bob.auth).expect(200)).body as { positions: PositionBody[]; sideBets: SideBetBody[] };
    const payoutOf = (position: PositionBody) => {
      expect(position.status).toBe('closed');
      const exit = position.exitTick === settled.tick ? finalClose : closeAt(position.exitTick!);
      expect(priceUnits(position.exitPrice!)).toBe(exit);
      const entry = position.entryTick === 0 ? 100_000_000n : closeAt(position.entryTick);
      expect(priceUnits(position.entryPrice)).toBe(entry);
      const expected = positionPayout(position.side, usdc(position.stake), entry, exit);
      expect(usdc(position.payout!)).toBe(expected);
      expect(usdc(position.pnl!)).toBe(expected - usdc(position.amount));
      return expected;
    };
    const alicePositions = mineA.positions.map(payoutOf);
    const bobPositions = mineB.positions.map(payoutOf);
    expect(mineB.positions[0].exitTick).toBe(settled.tick);

    const [bet] = mineA.sideBets;
    const won = settled.rugTick !== null && settled.rugTick >= bet.startTick && settled.rugTick <= bet.endTick;
    expect(bet.status).toBe(won ? 'won' : 'lost');
    const betPayout = won ? sideBetPayout(usdc(bet.amount), bet.payoutMultiplier) : 0n;
    expect(usdc(bet.payout!)).toBe(betPayout);

    // Balances exact: 1000 − what was paid + what came back, over every round an attempt played in (an earlier
    // attempt's side bet or early position settles in its own round, possibly as a win).
    const sum = (values: bigint[]) => values.reduce((a, b) => a + b, 0n);
    expect(sum(alicePositions) + betPayout).toBe(sum(mineA.positions.map((p) => usdc(p.payout!))) + usdc(bet.payout!));
    expect(sum(bobPositions)).toBe(sum(mineB.positions.map((p) => usdc(p.payout!))));
    // What the settlement paid Bob (his short, closed by it) is one notification; none when it paid him nothing.
    const bobPaid = sum(bobPositions);
    await eventually(async () => {
      const notes = (await request(running.url).get('/api/v1/notifications?limit=100').set(bob.auth).expect(200)).body.data as { kind: string; data: { roundId: string; amount: string } }[];
      expect(notes.filter((note) => note.kind === 'round-payout' && note.data.roundId === roundId).map((note) => note.data.amount)).toEqual(bobPaid > 0n ? [formatUsdc(bobPaid)] : []);
    }, 10_000);
    const netOf = async (user: TestUser) => {
      let net = usdc('1000');
      for (const id of attemptedRoundIds) {
        const mine = await resolvedItemsOf(running, id, user);
        for (const item of [...mine.positions, ...mine.sideBets]) net += (item.payout ? usdc(item.payout) : 0n) - usdc(item.amount);
      }
      return net;
    };
    const expectedAlice = await netOf(alice);
    const expectedBob = await netOf(bob);
    expect(usdc((await balancesOf(running, alice)).USDC.available)).toBe(expectedAlice);
    expect(usdc((await balancesOf(running, bob)).USDC.available)).toBe(expectedBob);
    expect(await potBalance(running, roundId)).toBe(0n);
    expect((await reconcile(running, admin)).ok).toBe(true);

    // The published round recomputes from scratch.
    const verify = await request(running.url).get(`/api/v1/rounds/${roundId}/verify`).expect(200);
    expect(verify.body).toMatchObject({ roundId, algorithm: 'cm-v1', saltSource: 'server', provablyFair: false, rugTick: settled.rugTick });
    const outcome = verifyRound(verify.body);
    expect(outcome.ok).toBe(true);
    const tampered = { ...verify.body, candles: verify.body.candles.map((c: { tick: number; close: string }, i: number) => (i === 0 ? { ...c, close: '9.99999999' } : c)) };
    expect(verifyRound(tampered).ok).toBe(false);

    // The settlement stored the path's closes for backtests: the published candles, and what the seed regenerates.
    const [replayable] = await running.app.get(RoundsService).replayable({ fromNumber: settled.number, toNumber: settled.number, limit: 1 });
    expect(replayable.id).toBe(roundId);
    expect([...replayable.closes!].map((close) => BigInt(close))).toEqual(settled.candles.map((candle) => priceUnits(candle.close)));
    expect(replayable.closes).toEqual(recomputePath(replayable).closes);

    // The same story arrived over Socket.IO.
    await eventually(() => expect(balanceUpdates.at(-1)?.available).toBe(formatUsdc(expectedAlice)));
    const statuses = states.filter((state) => state.id === roundId).map((state) => state.status);
    expect(statuses).toEqual(expect.arrayContaining(['ACTIVE', 'ENDED', 'SETTLED']));
    const streamed = candles.filter((candle) => candle.roundId === roundId);
    expect(streamed.at(-1)).toMatchObject({ tick: settled.tick, close: settled.price });
    for (const candle of streamed) expect(candle.close).toBe(settled.candles[candle.tick - 1].close);
    expect(trades.filter((trade) => trade.roundId === roundId).length).toBeGreaterThanOrEqual(3);
    expect(ended.filter((result) => result.id === roundId)).toEqual([expect.objectContaining({ serverSeed: settled.serverSeed })]);
    expect(positionUpdates.filter((update) => update.id === closed!.id).at(-1)).toMatchObject({ kind: 'position', status: 'closed' });
    expect(positionUpdates.filter((update) => update.id === bet.id).at(-1)).toMatchObject({ kind: 'side-bet', status: won ? 'won' : 'lost' });
    expect(positionUpdates.some((update) => update.id === open!.id)).toBe(false);
    closeSockets();

    // History and admin stats know the round.
    const history = await request(running.url).get('/api/v1/rounds?page=1&limit=5').expect(200);
    expect(history.body.data.some((r: { id: string; candles?: unknown }) => r.id === roundId && r.candles === undefined)).toBe(true);
    const stats = await request(running.url).get('/api/v1/admin/rounds/stats?limit=20').set(admin.auth).expect(200);
    const row = stats.body.data.find((r: { roundId: string }) => r.roundId === roundId);
    const volume = usdc('10') * BigInt(1 + earlyPositions) + usdc('20') + usdc(bet.amount);
    const payouts = sum(alicePositions) + sum(bobPositions) + betPayout;
    expect(row).toMatchObject({ status: 'SETTLED', positions: 2 + earlyPositions, sideBets: 1, volume: expect.any(String) });
    expect(usdc(row.volume)).toBe(volume);
    expect(usdc(row.payouts)).toBe(payouts);
    expect(usdc(row.houseResult)).toBe(volume - usdc(row.fees) - payouts);
  });

  it('holds the per-player limits under concurrent requests, and a retried Idempotency-Key moves money once', async () => {
    for (let previous = 0, attempt = 0; attempt < 6; attempt += 1) {
      const player = await createFundedUser(running);
      const round = await waitForRound(running, previous, ['PENDING']);
      previous = round.number;
      const bets = await Promise.all([1, 2, 3].map(() => post(running, player, `/api/v1/rounds/${round.id}/side-bets`, { amount: '1' })));
      await waitForStatus(running, round.id, ['ACTIVE', 'ENDED', 'SETTLED']);
      const opens = await Promise.all(Array.from({ length: 12 }, () => post(running, player, `/api/v1/rounds/${round.id}/positions`, { side: 'short', amount: '1' })));
      if ([...bets, ...opens].some((response) => response.body.error === 'RoundStateConflict')) continue; // the round ended first

      expect(bets.map((response) => response.status).sort()).toEqual([201, 409, 409]);
      expect(opens.filter((response) => response.status === 201)).toHaveLength(10);
      expect(opens.filter((response) => response.status === 422).map((response) => response.body.error)).toEqual(['TooManyOpenPositions', 'TooManyOpenPositions']);

      // The same key and body again: the first answer, nothing charged twice.
      const key = `replay-${round.id}-${player.id}`;
      const first = await request(running.url).post(`/api/v1/rounds/${round.id}/positions/${opens.find((r) => r.status === 201)!.body.id}/close`).set(player.auth).set('Idempotency-Key', key);
      if (first.status === 409 && first.body.error === 'RoundStateConflict') continue;
      expect(first.status).toBe(200);
      const balance = (await balancesOf(running, player)).USDC.available;
      const replay = await request(running.url).post(`/api/v1/rounds/${round.id}/positions/${first.body.id}/close`).set(player.auth).set('Idempotency-Key', key);
      expect(replay.status).toBe(200);
      expect(replay.headers['idempotent-replayed']).toBe('true');
      expect(replay.body).toEqual(first.body);
      expect((await balancesOf(running, player)).USDC.available).toBe(balance);
      return;
    }
    throw new Error('no round lasted long enough to check the limits');
  });

  it('keeps admin endpoints for admins and applies config to future rounds only', async () => {
    const player = await createFundedUser(running);
    await request(running.url).put('/api/v1/admin/rounds/config').set(player.auth).send({ feeBps: 0 }).expect(403);
    await request(running.url).put('/api/v1/admin/rounds/config').set(admin.auth).send({ tickMs: 1 }).expect(400);
    await request(running.url).put('/api/v1/admin/rounds/config').set(admin.auth).send({ minStake: '500' }).expect(400);
    const live = await waitForRound(running, 0, ['PENDING', 'ACTIVE']);
    const changed = await request(running.url).put('/api/v1/admin/rounds/config').set(admin.auth).send({ feeBps: 250, sideBetMultiplier: '4.5' }).expect(200);
    expect(changed.body).toMatchObject({ feeBps: 250, sideBetMultiplier: '4.5', tickMs: 20, maxTicks: 80, paused: false });
    const stillLive = (await request(running.url).get(`/api/v1/rounds/${live.id}`).expect(200)).body;
    expect(stillLive).toMatchObject({ feeBps: 100, sideBetMultiplier: '5' });
    // The engine reads the settings before it inserts a round, so the round being created while the change
    // committed may still carry the old ones; every round after that one carries the new ones.
    const currentAtChange = (await currentRound(running))!.number;
    const next = await waitForRound(running, currentAtChange + 1, ['PENDING', 'ACTIVE']);
    expect(next).toMatchObject({ feeBps: 250, sideBetMultiplier: '4.5' });

    // Pause: the live round plays out, no new one starts until resumed (at most one round that was being
    // created as the pause committed still plays).
    await request(running.url).post('/api/v1/admin/rounds/pause').set(admin.auth).expect(200);
    const pausedAt = (await currentRound(running))!;
    let last = await waitForStatus(running, pausedAt.id, ['SETTLED']);
    await new Promise((resolve) => setTimeout(resolve, 600));
    const afterPause = (await currentRound(running))!;
    if (afterPause.id !== last.id) {
      expect(afterPause.number).toBe(last.number + 1);
      last = await waitForStatus(running, afterPause.id, ['SETTLED']);
      await new Promise((resolve) => setTimeout(resolve, 600));
    }
    expect((await request(running.url).get('/api/v1/rounds/current').expect(200)).body.id).toBe(last.id);
    await request(running.url).post('/api/v1/admin/rounds/resume').set(admin.auth).expect(200);
    await waitForRound(running, last.number, ['PENDING', 'ACTIVE']);
    await request(running.url).put('/api/v1/admin/rounds/config').set(admin.auth).send({ feeBps: 100, sideBetMultiplier: '5' }).expect(200);
  });

  it('reports the rounds played above on /metrics: trades, tick lag, the last tick’s age and settlement jobs', async () => {
    const text = (await request(running.url).get('/metrics').expect(200)).text;
    const value = (pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? NaN);
    expect(value(/^venue_trades_total\{venue="rounds"\} (\S+)$/m)).toBeGreaterThanOrEqual(1);
    expect(value(/^round_tick_lag_seconds_count (\S+)$/m)).toBeGreaterThan(10);
    expect(value(/^round_last_tick_age_seconds (\S+)$/m) || 0).toBeLessThan(10);
    expect(value(/^jobs_completed_total\{queue="round-settlement"\} (\S+)$/m)).toBeGreaterThanOrEqual(1);
  });
});
