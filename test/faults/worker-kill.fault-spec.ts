import request from 'supertest';
import type { QueryRunner } from 'typeorm';
import { ReconciliationService } from '../../src/accounts/reconciliation.service';
import { createAdmin, createFundedUser, db } from '../support/ledger';
import { createHouseMarket } from '../support/markets';
import { FAST_ROUNDS, post, resetRoundsVenue, RoundBody, usdc, waitForRound } from '../support/rounds';
import { RunningApp, startTestApp, testConfig } from '../support/test-app';
import { recordFaultScenario } from './support/fault-report';
import { spawnServer, stopSpawnedServers, waitUntil } from './support/spawned-servers';

// A BullMQ worker process (APP_ROLE=worker) is killed with SIGKILL while it runs two jobs at once: a round's
// settlement (one transaction) and a market's resolution (batches of MARKET_SETTLEMENT_BATCH_SIZE holders, one
// transaction each). The kill is made to land mid-job by the test itself: it holds row locks the jobs need (the
// round's pot, the account of the first holder of the third batch), so the round's transaction and the market's
// third batch wait inside their transactions while the first two batches have committed. A second worker, started
// before the kill, must find both jobs stalled, run them again, and pay every holder exactly once.

const HOLDERS = 12;
const BATCH = 3;
const PLAYERS = 6;
const WORKER_ENV = { APP_ROLE: 'worker', MARKET_SETTLEMENT_BATCH_SIZE: String(BATCH) };
/** Longer rounds than FAST_ROUNDS' 80 ticks, so the positions are placed before the rug. */
const ROUNDS = { ...FAST_ROUNDS, ROUND_MAX_TICKS: '300' };

describe('fault: kill -9 of a BullMQ worker mid-settlement and mid-resolution', () => {
  let observer: RunningApp;
  let locks: QueryRunner | undefined;

  beforeAll(async () => {
    await resetRoundsVenue(testConfig().databaseUrl);
    // The engine role ticks rounds (and enqueues their settlement) but runs no job: only spawned workers do.
    observer = await startTestApp({ ...ROUNDS, APP_ROLE: 'engine' });
  });

  afterAll(async () => {
    await locks?.release().catch(() => undefined);
    await stopSpawnedServers();
    await observer?.close();
  });

  async function workerBackendsWaitingOnLocks(): Promise<number> {
    const [{ waiting }] = (await db(observer).query(
      `SELECT count(*)::int AS waiting FROM pg_stat_activity
        WHERE datname = current_database() AND application_name = 'cash-markets:worker' AND wait_event_type = 'Lock'`,
    )) as { waiting: number }[];
    return waiting;
  }

  it('the stalled jobs rerun on the surviving worker: every holder and player paid exactly once, ledger reconciled', async () => {
    const started = Date.now();
    const admin = await createAdmin(observer);

    // Twelve holders of Yes in one market.
    const market = await createHouseMarket(observer, admin, { subsidy: '500' });
    const holders = await Promise.all(Array.from({ length: HOLDERS }, () => createFundedUser(observer)));
    const buys = await Promise.all(
      holders.map((holder, index) =>
        request(observer.url)
          .post(`/api/v1/markets/${market.id}/buy`)
          .set(holder.auth)
          .set('Idempotency-Key', `worker-kill-buy-${market.id}-${index}`)
          .send({ outcome: 'Yes', amount: String(2 + index) }),
      ),
    );
    expect(buys.map((buy) => buy.status)).toEqual(holders.map(() => 201));
    const sharesOf = new Map(holders.map((holder, index) => [holder.id, usdc(buys[index].body.shares as string)]));

    // Six players with a long and a short each in one round (the next round if this one ends first). No worker runs
    // yet, so nothing settles before the locks below are taken.
    const players = await Promise.all(Array.from({ length: PLAYERS }, () => createFundedUser(observer)));
    let round: RoundBody | undefined;
    let positionIds: string[] = [];
    for (let after = 0, attempt = 0; !round && attempt < 5; attempt += 1) {
      const active = await waitForRound(observer, after, ['ACTIVE']);
      const opened = await Promise.all(
        players.flatMap((player) => ['long', 'short'].map((side) => post(observer, player, `/api/v1/rounds/${active.id}/positions`, { side, amount: '5' }))),
      );
      if (opened.every((response) => response.status === 201)) {
        round = active;
        positionIds = opened.map((response) => response.body.id as string);
      }
      after = active.number;
    }
    expect(round).toBeDefined();

    await request(observer.url).post(`/api/v1/admin/markets/${market.id}/resolve`).set(admin.auth).send({ outcome: 'Yes' }).expect(200);

    // The locks that hold both jobs inside their transactions.
    const [lockedHolder] = (await db(observer).query(`SELECT user_id FROM market_positions WHERE market_id = $1 ORDER BY id OFFSET $2 LIMIT 1`, [
      market.id,
      2 * BATCH,
    ])) as { user_id: string }[];
    locks = db(observer).createQueryRunner();
    await locks.startTransaction();
    const pot = (await locks.query(`SELECT id FROM accounts WHERE system_key = $1 FOR UPDATE`, [`round-pot:${round!.id}`])) as unknown[];
    const holderAccount = (await locks.query(`SELECT id FROM accounts WHERE user_id = $1 AND asset = 'USDC' FOR UPDATE`, [lockedHolder.user_id])) as unknown[];
    expect([pot.length, holderAccount.length]).toEqual([1, 1]);

    await waitUntil('the round to end', async () => {
      const [row] = (await db(observer).query(`SELECT status FROM rounds WHERE id = $1`, [round!.id])) as { status: string }[];
      return row.status === 'ENDED';
    });

    // The first worker takes both jobs: two batches of the market commit, then both jobs wait on the locks.
    const first = await spawnServer('worker-1', WORKER_ENV);
    const settledBeforeKill = await waitUntil(
      'both jobs waiting on the locks, two batches committed',
      async () => {
        const [{ settled }] = (await db(observer).query(`SELECT count(settled_at)::int AS settled FROM market_positions WHERE market_id = $1`, [market.id])) as {
          settled: number;
        }[];
        return settled === 2 * BATCH && (await workerBackendsWaitingOnLocks()) >= 2 && settled;
      },
      60_000,
    );

    const second = await spawnServer('worker-2', WORKER_ENV);
    const killedAt = Date.now();
    await first.kill9();
    expect((await first.exited).signal).toBe('SIGKILL');
    // The dead worker's transactions can only roll back: their COMMIT was never sent.
    await locks.rollbackTransaction();
    await locks.release();
    locks = undefined;
    const [{ unsettledRounds }] = (await db(observer).query(`SELECT count(*)::int AS "unsettledRounds" FROM rounds WHERE id = $1 AND settled_at IS NULL`, [round!.id])) as {
      unsettledRounds: number;
    }[];
    expect(unsettledRounds).toBe(1);

    await waitUntil(
      'the surviving worker to finish both jobs',
      async () => {
        const [{ done }] = (await db(observer).query(
          `SELECT (SELECT settled_at IS NOT NULL FROM markets WHERE id = $1) AND (SELECT settled_at IS NOT NULL FROM rounds WHERE id = $2) AS done`,
          [market.id, round!.id],
        )) as { done: boolean }[];
        return done;
      },
      120_000,
      200,
    );
    const rerunMs = Date.now() - killedAt;
    // BullMQ's default 30 s lock and 30 s stall check took about 60 s here; PAYOUT_JOB_LOCK takes 10 to 15 s.
    expect(rerunMs).toBeLessThan(30_000);
    expect(second.output()).toMatch(new RegExp(`market ${market.id} settled`));
    expect(second.output()).toMatch(new RegExp(`round ${round!.number} settled`));

    // Every holder: one payout of exactly their shares, in one transaction.
    const marketPayouts = (await db(observer).query(
      `SELECT a.user_id, count(*)::int AS payouts, sum(e.amount)::text AS paid
         FROM ledger_transactions t JOIN ledger_entries e ON e.transaction_id = t.id JOIN accounts a ON a.id = e.account_id
        WHERE t.kind = 'market.payout' AND t.reference = $1 AND a.user_id IS NOT NULL
        GROUP BY a.user_id`,
      [`market:${market.id}`],
    )) as { user_id: string; payouts: number; paid: string }[];
    const positionsPaid = await db(observer).query(`SELECT count(*)::int AS n FROM market_positions WHERE market_id = $1 AND settled_at IS NOT NULL`, [market.id]);
    expect(positionsPaid[0].n).toBe(HOLDERS);
    expect(new Map(marketPayouts.map((row) => [row.user_id, { payouts: row.payouts, paid: BigInt(row.paid) }]))).toEqual(
      new Map(holders.map((holder) => [holder.id, { payouts: 1, paid: sharesOf.get(holder.id)! }])),
    );
    const [{ batches }] = (await db(observer).query(`SELECT count(*)::int AS batches FROM ledger_transactions WHERE kind = 'market.payout' AND reference = $1`, [
      `market:${market.id}`,
    ])) as { batches: number }[];
    expect(batches).toBe(HOLDERS / BATCH);

    // Every player: credited once with the sum of their positions' payouts; each position closed once.
    const positions = (await db(observer).query(`SELECT id, user_id, status, payout::text AS payout FROM round_positions WHERE round_id = $1`, [round!.id])) as {
      id: string;
      user_id: string;
      status: string;
      payout: string;
    }[];
    expect(positions.map((position) => position.id).sort()).toEqual([...positionIds].sort());
    expect(positions.filter((position) => position.status !== 'closed' || position.payout === null)).toEqual([]);
    const owed = new Map<string, bigint>();
    for (const position of positions) owed.set(position.user_id, (owed.get(position.user_id) ?? 0n) + BigInt(position.payout));
    const roundCredits = (await db(observer).query(
      `SELECT a.user_id, count(DISTINCT t.id)::int AS postings, sum(e.amount)::text AS paid
         FROM ledger_transactions t JOIN ledger_entries e ON e.transaction_id = t.id JOIN accounts a ON a.id = e.account_id
        WHERE t.reference = $1 AND a.user_id IS NOT NULL
        GROUP BY a.user_id`,
      [`round:${round!.id}`],
    )) as { user_id: string; postings: number; paid: string }[];
    expect(new Map(roundCredits.map((row) => [row.user_id, { postings: row.postings, paid: BigInt(row.paid) }]))).toEqual(
      new Map([...owed].filter(([, amount]) => amount > 0n).map(([userId, amount]) => [userId, { postings: 1, paid: amount }])),
    );
    const pots = (await db(observer).query(`SELECT system_key, available::text AS available FROM accounts WHERE system_key IN ($1, $2)`, [
      `round-pot:${round!.id}`,
      `market-pool:${market.id}`,
    ])) as { system_key: string; available: string }[];
    expect(pots.map((row) => row.available)).toEqual(pots.map(() => '0'));

    const report = await observer.app.get(ReconciliationService).run();
    const found = marketPayouts.filter((row) => row.payouts === 1).length + positions.filter((position) => position.status === 'closed').length;
    recordFaultScenario({
      scenario: `worker kill -9 mid-settlement and mid-resolution (rerun ${(rerunMs / 1000).toFixed(1)} s after the kill)`,
      acknowledged: HOLDERS + positionIds.length,
      found,
      reconciliation: report.ok ? 'ok' : JSON.stringify(report),
    });
    process.stdout.write(
      `worker kill: ${settledBeforeKill}/${HOLDERS} holders paid before the kill; both jobs rerun and done ${rerunMs} ms after it; scenario ${Date.now() - started} ms\n`,
    );
    expect(found).toBe(HOLDERS + positionIds.length);
    expect(report.ok).toBe(true);
  });
});
