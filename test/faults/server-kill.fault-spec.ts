import request from 'supertest';
import { ReconciliationService } from '../../src/accounts/reconciliation.service';
import { createAdmin, createFundedUser, db, DEV_ADDRESS } from '../support/ledger';
import { createHouseMarket } from '../support/markets';
import { FAST_ROUNDS, resetRoundsVenue, RoundBody } from '../support/rounds';
import { RunningApp, startTestApp, testConfig } from '../support/test-app';
import { logMessages } from '../support/server-process';
import type { TestUser } from '../support/users';
import { recordFaultScenario } from './support/fault-report';
import { Answer, KeyedRequest, sendKeyed, storedKeys } from './support/keyed-requests';
import { spawnServer, SpawnedServer, stopSpawnedServers, waitUntil } from './support/spawned-servers';

// One server process (APP_ROLE=all: API, round engine, jobs) takes a mixed load of money POSTs, each with its
// Idempotency-Key: round positions, market buys and withdrawals. It is killed with SIGKILL mid-load and started
// again; each client retries what the kill cut off (same key, same body) and carries on. Afterwards every
// acknowledged operation is there exactly once, every row matches a committed key (so nothing unacknowledged is half
// written), the live round was resumed or voided and settled, balances add up and the ledger reconciles.

const USERS = 12;
const PER_USER = 12;
const KILL_AFTER_ACKS = 50;
const SERVER_ENV = { ...FAST_ROUNDS, ROUND_MAX_TICKS: '300', APP_ROLE: 'all' };
const KINDS: KeyedRequest['kind'][] = ['position', 'trade', 'withdrawal'];

describe('fault: kill -9 of a server process under a mixed load, then restart', () => {
  let observer: RunningApp;

  beforeAll(async () => {
    await resetRoundsVenue(testConfig().databaseUrl);
    // Users, reads and reconciliation: an API instance of its own, which neither ticks nor runs jobs.
    observer = await startTestApp({ APP_ROLE: 'api' });
  });

  afterAll(async () => {
    await stopSpawnedServers();
    await observer?.close();
  });

  it('every acknowledged operation is present once, nothing else is half written, the ledger reconciles', async () => {
    const started = Date.now();
    const admin = await createAdmin(observer);
    const market = await createHouseMarket(observer, admin, { subsidy: '1000' });
    const users = await Promise.all(Array.from({ length: USERS }, () => createFundedUser(observer)));
    const startingBalances = (await db(observer).query(`SELECT user_id, available::text AS available FROM accounts WHERE user_id = ANY($1::uuid[]) AND asset = 'USDC'`, [
      users.map((user) => user.id),
    ])) as { user_id: string; available: string }[];
    const before = new Map(startingBalances.map((row) => [row.user_id, BigInt(row.available)]));

    let server: SpawnedServer = await spawnServer('server-1', SERVER_ENV);
    await server.waitForLog(/^engine leader \(fencing token \d+\)/, 30_000);
    let restarted: Promise<SpawnedServer> | undefined;

    // The live round, polled through the observer (it reads PostgreSQL only).
    let liveRound: RoundBody | null = null;
    let polling = true;
    const poller = (async () => {
      while (polling) {
        const response = await request(observer.url).get('/api/v1/rounds/current');
        liveRound = response.status === 200 ? (response.body as RoundBody) : null;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    const activeRound = () => waitUntil('an active round', async () => liveRound?.status === 'ACTIVE' && liveRound, 30_000, 20);

    const sent: { request: KeyedRequest; answers: Answer[] }[] = [];
    let acks = 0;
    let killedAt = 0;
    const client = async (user: TestUser, index: number) => {
      for (let n = 0; n < PER_USER; n += 1) {
        const kind = KINDS[(index + n) % KINDS.length];
        const key = `fault-server-kill-${user.id}-${n}`;
        const keyed: KeyedRequest =
          kind === 'position'
            ? { user, key, kind, path: `/rounds/${(await activeRound()).id}/positions`, body: { side: n % 2 === 0 ? 'long' : 'short', amount: '2' } }
            : kind === 'trade'
              ? { user, key, kind, path: `/markets/${market.id}/buy`, body: { outcome: n % 2 === 0 ? 'Yes' : 'No', amount: '1.5' } }
              : { user, key, kind, path: '/accounts/me/withdrawals', body: { asset: 'USDC', amount: '0.25', chain: 'dev', toAddress: DEV_ADDRESS } };
        const record = { request: keyed, answers: [] as Answer[] };
        sent.push(record);
        for (;;) {
          const answer = await sendKeyed(server.url, keyed);
          record.answers.push(answer);
          if (answer.status !== 'lost') break;
          // The server died with the request in flight: retry it, same key and body, once it is back.
          if (!restarted) throw new Error(`${server.name} died before the kill:\n${server.output().slice(-3000)}`);
          server = await restarted;
        }
        const last = record.answers[record.answers.length - 1];
        if (last.status === 201 && (acks += 1) === KILL_AFTER_ACKS) {
          killedAt = Date.now();
          const dying = server;
          restarted = dying.kill9().then(() => spawnServer('server-2', SERVER_ENV));
        }
      }
    };
    await Promise.all(users.map((user, index) => client(user, index)));
    polling = false;
    await poller;
    const second = await restarted!;
    const answersAfterKill = Date.now() - killedAt;

    // Every answer is 201, or for a position the round's refusal (409: between rounds or not ticking during the
    // takeover; 422: the per-round limit).
    const finals = sent.map((record) => ({ record, answer: record.answers[record.answers.length - 1] as Exclude<Answer, { status: 'lost' }> }));
    expect(finals.filter(({ record, answer }) => answer.status !== 201 && !(record.request.kind === 'position' && [409, 422].includes(answer.status))).map(({ answer }) => answer)).toEqual([]);
    const acknowledged = finals.filter(({ answer }) => answer.status === 201);
    const cutOff = sent.filter((record) => record.answers[0].status === 'lost');
    expect(cutOff.length).toBeGreaterThan(0);

    // Every row of these users belongs to a key that committed with it, and every acknowledged key has its row, once.
    const keys = await storedKeys(
      db(observer),
      sent.map((record) => record.request),
    );
    expect([...keys.values()].filter((key) => key.state !== 'completed')).toEqual([]);
    const userIds = users.map((user) => user.id);
    const rows = {
      position: (await db(observer).query(`SELECT id FROM round_positions WHERE user_id = ANY($1::uuid[])`, [userIds])) as { id: string }[],
      trade: (await db(observer).query(`SELECT id FROM market_trades WHERE user_id = ANY($1::uuid[])`, [userIds])) as { id: string }[],
      withdrawal: (await db(observer).query(`SELECT id FROM withdrawals WHERE user_id = ANY($1::uuid[])`, [userIds])) as { id: string }[],
    };
    for (const kind of KINDS) {
      const committed = sent.filter((record) => record.request.kind === kind && keys.get(record.request.key)?.status === 201).map((record) => keys.get(record.request.key)!.workId);
      expect({ kind, ids: rows[kind].map((row) => row.id).sort() }).toEqual({ kind, ids: committed.sort() });
    }
    const found = acknowledged.filter(({ record, answer }) => rows[record.request.kind].filter((row) => row.id === answer.workId).length === 1).length;
    expect(found).toBe(acknowledged.length);
    const lostButCommitted = cutOff.filter((record) => (record.answers[record.answers.length - 1] as { replayed?: boolean }).replayed).length;

    // Each position and withdrawal has its one ledger posting.
    const postings = (await db(observer).query(
      `SELECT kind, count(*)::int AS n, count(DISTINCT reference)::int AS refs FROM ledger_transactions WHERE reference = ANY($1::text[]) AND kind IN ('round.position.open', 'withdrawal.hold') GROUP BY kind`,
      [[...rows.position.map((row) => `round-position:${row.id}`), ...rows.withdrawal.map((row) => `withdrawal:${row.id}`)]],
    )) as { kind: string; n: number; refs: number }[];
    expect(new Map(postings.map((row) => [row.kind, [row.n, row.refs]]))).toEqual(
      new Map([
        ['round.position.open', [rows.position.length, rows.position.length]],
        ['withdrawal.hold', [rows.withdrawal.length, rows.withdrawal.length]],
      ]),
    );

    // The round live at the kill was resumed or voided; every round played is settled with its pot at zero.
    await waitUntil(
      'every round played settled',
      async () => {
        const [{ unsettled }] = (await db(observer).query(
          `SELECT count(*)::int AS unsettled FROM rounds WHERE settled_at IS NULL AND id IN (SELECT round_id FROM round_positions WHERE user_id = ANY($1::uuid[]))`,
          [userIds],
        )) as { unsettled: number }[];
        return unsettled === 0;
      },
      60_000,
      100,
    );
    const pots = (await db(observer).query(
      `SELECT count(*)::int AS n FROM accounts WHERE available <> 0 AND system_key IN (SELECT 'round-pot:' || round_id FROM round_positions WHERE user_id = ANY($1::uuid[]))`,
      [userIds],
    )) as { n: number }[];
    expect(pots[0].n).toBe(0);
    const takeover = logMessages(second.output()).filter((message) => /^(resuming round \d+ at tick \d+|round \d+ voided)/.test(message));

    // Balances: what each user paid in and got back, exactly once.
    const balances = (await db(observer).query(
      `SELECT a.user_id, a.available::text AS available, a.locked::text AS locked,
              (SELECT COALESCE(sum(p.amount - COALESCE(p.payout, 0)), 0) FROM round_positions p WHERE p.user_id = a.user_id)::text AS rounds,
              (SELECT COALESCE(sum(t.amount), 0) FROM market_trades t WHERE t.user_id = a.user_id)::text AS trades,
              (SELECT COALESCE(sum(w.amount), 0) FROM withdrawals w WHERE w.user_id = a.user_id)::text AS held
         FROM accounts a WHERE a.user_id = ANY($1::uuid[]) AND a.asset = 'USDC'`,
      [userIds],
    )) as { user_id: string; available: string; locked: string; rounds: string; trades: string; held: string }[];
    for (const row of balances) {
      expect({ user: row.user_id, available: BigInt(row.available), locked: BigInt(row.locked) }).toEqual({
        user: row.user_id,
        available: before.get(row.user_id)! - BigInt(row.rounds) - BigInt(row.trades) - BigInt(row.held),
        locked: BigInt(row.held),
      });
    }

    const report = await observer.app.get(ReconciliationService).run();
    recordFaultScenario({
      scenario: `server kill -9 under mixed load, restart (${cutOff.length} cut off, ${lostButCommitted} of them had committed)`,
      acknowledged: acknowledged.length,
      found,
      reconciliation: report.ok ? 'ok' : JSON.stringify(report),
    });
    const byKind = KINDS.map((kind) => `${acknowledged.filter(({ record }) => record.request.kind === kind).length} ${kind}s`).join(', ');
    process.stdout.write(
      `server kill: ${acknowledged.length} acknowledged (${byKind}) of ${sent.length}; ${cutOff.length} cut off by the kill, ${lostButCommitted} replayed as committed; ` +
        `load done ${answersAfterKill} ms after the kill; after restart: ${takeover.join('; ') || 'no live round to take over'}; scenario ${Date.now() - started} ms\n`,
    );
    expect(report.ok).toBe(true);
  });
});

