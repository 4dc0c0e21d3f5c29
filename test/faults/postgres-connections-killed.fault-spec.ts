import { writeFileSync } from 'node:fs';
import { DataSource } from 'typeorm';
import { createAdmin, createFundedUser, DEV_ADDRESS } from '../support/ledger';
import { createHouseMarket } from '../support/markets';
import { waitFor } from '../support/rounds';
import { assertBuilt, ServerProcess, startServer } from '../support/server-process';
import { RunningApp, startTestApp } from '../support/test-app';
import { TestUser } from '../support/users';
import { recordFaultScenario } from './support/fault-report';

// One server process under money-moving load (withdrawals and market buys, each with an Idempotency-Key) while the
// scenario terminates its PostgreSQL backends (pg_terminate_backend) again and again: the ones inside a transaction,
// and once all of them (the pool emptied). An affected request fails cleanly, with a 503 and a clear body, never a
// hang; its client retries with the same key and body until it is answered, and each key has exactly one effect.
// Nothing is half-written (each key's rows and postings are all there or not at all), the pool recovers by itself,
// and the ledger reconciles. The jest process creates users and tokens with an app of its own, closed before the
// load starts, so every `cash-markets:*` backend of this database belongs to the server under test.

const USERS = 8;
const PER_USER = 24;
const CONCURRENCY = 16;
const KILL_ROUNDS = 8;
const KILL_EVERY_MS = 400;
/** An attempt that takes longer than this is a hang. */
const REQUEST_DEADLINE_MS = 8_000;
const MAX_ATTEMPTS = 30;

interface KeyedRequest {
  user: TestUser;
  key: string;
  kind: 'withdrawal' | 'market buy';
  path: string;
  body: object;
  attempts: { status: number | 'timeout' | 'network'; ms: number; error?: string; message?: string }[];
  id?: string;
  replayed?: boolean;
}

describe('Fault: PostgreSQL connections killed mid-transaction under money-moving load', () => {
  let helper: RunningApp | undefined;
  /** The scenario's own connections (application_name `fault-suite`, so never terminated by it). */
  let sql: DataSource;
  let server: ServerProcess;
  let url: string;
  let admin: TestUser;
  let users: TestUser[];
  let marketId: string;

  async function attempt(request: KeyedRequest): Promise<boolean> {
    const started = Date.now();
    try {
      const response = await fetch(`${url}/api/v1${request.path}`, {
        method: 'POST',
        headers: { ...request.user.auth, 'Content-Type': 'application/json', 'Idempotency-Key': request.key },
        body: JSON.stringify(request.body),
        signal: AbortSignal.timeout(REQUEST_DEADLINE_MS),
      });
      const body = (await response.json().catch(() => ({}))) as { id?: string; tradeId?: string; error?: string; message?: string };
      request.attempts.push({ status: response.status, ms: Date.now() - started, error: body.error, message: body.message });
      if (response.status !== 201) return false;
      request.id = body.tradeId ?? body.id;
      request.replayed = response.headers.get('idempotent-replayed') === 'true';
      return true;
    } catch (error) {
      request.attempts.push({ status: (error as Error).name === 'TimeoutError' ? 'timeout' : 'network', ms: Date.now() - started, message: (error as Error).message });
      return false;
    }
  }

  /** Like a client: retries a failed attempt with the same key and body until it is answered 201. */
  async function sendUntilAnswered(request: KeyedRequest): Promise<void> {
    while (request.attempts.length < MAX_ATTEMPTS && !(await attempt(request))) await new Promise((resolve) => setTimeout(resolve, 100));
  }

  /** The server's backends (its pool's connections) on this database; `inTransaction` only those inside one. */
  async function terminate(inTransaction: boolean): Promise<number> {
    const rows = (await sql.query(
        `SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity
          WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name LIKE 'cash-markets:%'
            AND ($1::boolean IS FALSE OR xact_start IS NOT NULL)`,
        [inTransaction],
      )) as { killed: boolean }[];
    return rows.filter((row) => row.killed).length;
  }

  beforeAll(async () => {
    assertBuilt();
    helper = await startTestApp({ ENGINE_ENABLED: 'false', STARTING_BALANCE: '1000' });
    admin = await createAdmin(helper);
    marketId = (await createHouseMarket(helper, admin, { subsidy: '1000' })).id;
    users = await Promise.all(Array.from({ length: USERS }, () => createFundedUser(helper!)));
    await helper.close();
    helper = undefined;
    sql = await new DataSource({ type: 'postgres', url: process.env.DATABASE_URL, extra: { max: 2, application_name: 'fault-suite' } }).initialize();
    server = startServer({
      STARTING_BALANCE: '1000',
      ROUNDS_ENGINE_ENABLED: 'false',
      PRICE_FEED_ENABLED: 'false',
      DATABASE_POOL_SIZE: '10',
      RATE_LIMIT_PER_MINUTE: '1000000',
      RATE_LIMIT_AUTH_PER_MINUTE: '1000000',
      RATE_LIMIT_REFRESH_PER_MINUTE: '1000000',
      // The startup banner (its port) is an info line.
      LOG_LEVEL: 'info',
    });
    const banner = await server.waitForLog(/listening on [\d.]+:\d+;/, 30_000);
    url = `http://${/listening on ([\d.]+:\d+);/.exec(banner)![1]}`;
  }, 90_000);

  afterAll(async () => {
    // FAULT_SERVER_LOG=<file> keeps the spawned server's log lines, to see what it made of the fault.
    if (process.env.FAULT_SERVER_LOG && server) writeFileSync(process.env.FAULT_SERVER_LOG, server.output());
    if (server && server.child.exitCode === null && server.child.signalCode === null) {
      server.child.kill('SIGTERM');
      await server.exited;
    }
    await sql?.destroy();
    await helper?.close();
  });

  it('fails the affected requests cleanly, writes nothing by halves, recovers its pool, and retried keys move money once', async () => {
    const started = Date.now();
    const requests: KeyedRequest[] = users.flatMap((user) =>
      Array.from({ length: PER_USER }, (_, index): KeyedRequest => {
        const key = `pg-kill-${user.id}-${index}`;
        return index % 2 === 0
          ? { user, key, kind: 'withdrawal', path: '/accounts/me/withdrawals', body: { asset: 'USDC', amount: '0.01', chain: 'dev', toAddress: DEV_ADDRESS }, attempts: [] }
          : { user, key, kind: 'market buy', path: `/markets/${marketId}/buy`, body: { outcome: index % 4 === 1 ? 'Yes' : 'No', amount: '0.5' }, attempts: [] };
      }),
    );
    // Interleaved, so every user's requests meet the kills.
    requests.sort((a, b) => Number(a.key.split('-').pop()) - Number(b.key.split('-').pop()));

    let next = 0;
    let loadDone = false;
    const load = Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < requests.length) await sendUntilAnswered(requests[next++]);
      }),
    ).finally(() => (loadDone = true));

    // The kills: once some requests were answered, the backends inside a transaction, every KILL_EVERY_MS; the
    // middle round terminates every backend of the server, idle ones included.
    await waitFor('the first answers', async () => requests.filter((request) => request.id).length >= 10, 20_000, 10);
    const killed: number[] = [];
    for (let round = 0; round < KILL_ROUNDS && !loadDone; round++) {
      killed.push(await terminate(round !== Math.floor(KILL_ROUNDS / 2)));
      await new Promise((resolve) => setTimeout(resolve, KILL_EVERY_MS));
    }
    await load;
    const totalKilled = killed.reduce((sum, n) => sum + n, 0);
    if (process.env.FAULT_VERBOSE) console.log(`backends terminated per round: ${killed.join(', ')}`);
    expect(totalKilled).toBeGreaterThan(0);

    const failures = requests.flatMap((request) => request.attempts.filter((one) => one.status !== 201).map((one) => ({ kind: request.kind, ...one })));
    if (process.env.FAULT_VERBOSE) {
      const tally = new Map<string, number>();
      for (const failure of failures) tally.set(`${failure.status} ${failure.error ?? ''}`, (tally.get(`${failure.status} ${failure.error ?? ''}`) ?? 0) + 1);
      console.log(`failed attempts: ${JSON.stringify([...tally])}; slowest attempt ${Math.max(...requests.flatMap((r) => r.attempts.map((a) => a.ms)))} ms`);
    }
    // The kills were felt, and every failed attempt was a clean refusal: a 503 ServiceUnavailable (or a 409 while
    // the same key was still being rolled back), never a 500, a hang or a dropped connection. A market buy runs on
    // the market's shard of the venue engine: a batch whose connection was killed answers the engine's retryable 503
    // EngineUnavailable (its commands' outcome unknown until retried with the same key).
    expect(failures.length).toBeGreaterThan(0);
    const clean = (one: (typeof failures)[number]) =>
      (one.status === 503 && (one.error === 'ServiceUnavailable' || (one.kind === 'market buy' && one.error === 'EngineUnavailable'))) ||
      (one.status === 409 && one.error === 'IdempotencyKeyInFlight');
    const unclean = failures.filter((one) => !clean(one));
    expect(unclean).toEqual([]);
    // Every key was answered in the end.
    expect(requests.filter((request) => !request.id).map((request) => request.attempts)).toEqual([]);

    // The pool recovered: a fresh request of each kind succeeds at once, and the server is ready.
    for (const kind of ['withdrawal', 'market buy'] as const) {
      const template = requests.find((request) => request.kind === kind)!;
      const fresh: KeyedRequest = { ...template, key: `${template.key}-after`, attempts: [] };
      expect(await attempt(fresh)).toBe(true);
      requests.push(fresh);
    }
    expect((await fetch(`${url}/ready`)).status).toBe(200);

    // Each key once: a retry of every key now replays its answer, with the same id.
    for (const request of requests) {
      const id = request.id;
      expect(await attempt(request)).toBe(true);
      expect({ key: request.key, id: request.id, replayed: request.replayed }).toEqual({ key: request.key, id, replayed: true });
    }

    // Nothing half-written: per user, exactly the answered withdrawals and trades, each with its ledger postings;
    // no key left in flight.
    const db = async <T>(text: string, values: unknown[]) => (await sql.query(text, values)) as T[];
    let found = 0;
    for (const user of users) {
      const mine = requests.filter((request) => request.user === user);
      const withdrawalIds = mine.filter((request) => request.kind === 'withdrawal').map((request) => request.id!);
      const tradeIds = mine.filter((request) => request.kind === 'market buy').map((request) => request.id!);
      const [withdrawals] = await db<{ ids: string[] | null }>(`SELECT array_agg(id::text ORDER BY id) AS ids FROM withdrawals WHERE user_id = $1`, [user.id]);
      const [trades] = await db<{ ids: string[] | null }>(`SELECT array_agg(id::text ORDER BY id) AS ids FROM market_trades WHERE user_id = $1`, [user.id]);
      expect({ user: user.id, withdrawals: withdrawals.ids ?? [], trades: trades.ids ?? [] }).toEqual({ user: user.id, withdrawals: withdrawalIds.sort(), trades: tradeIds.sort() });
      found += (withdrawals.ids ?? []).length + (trades.ids ?? []).length;
      // Each withdrawal row came with its hold, once (trades are checked by the pools' check below).
      const holds = await db<{ reference: string; n: number }>(
        `SELECT reference, count(*)::int AS n FROM ledger_transactions WHERE reference = ANY($1::text[]) AND kind = 'withdrawal.hold' GROUP BY reference`,
        [withdrawalIds.map((id) => `withdrawal:${id}`)],
      );
      expect(holds.map((one) => [one.reference, one.n]).sort()).toEqual(withdrawalIds.map((id) => [`withdrawal:${id}`, 1]).sort());
    }
    const [{ inFlight }] = await db<{ inFlight: number }>(`SELECT count(*)::int AS "inFlight" FROM idempotency_keys WHERE scope = ANY($1::text[]) AND state <> 'completed'`, [users.map((user) => user.id)]);
    expect(inFlight).toBe(0);

    const reconciliation = (await (await fetch(`${url}/api/v1/admin/ledger/reconciliation`, { headers: admin.auth })).json()) as { ok: boolean };
    const pools = (await (await fetch(`${url}/api/v1/admin/markets/pool-check`, { headers: admin.auth })).json()) as { ok: boolean };
    const acknowledged = requests.length;
    recordFaultScenario({
      scenario: `PostgreSQL backends terminated (${totalKilled} in ${killed.length} rounds)`,
      acknowledged,
      found,
      reconciliation: reconciliation.ok && pools.ok ? 'ok' : JSON.stringify({ reconciliation, pools }),
    });
    expect(found).toBe(acknowledged);
    expect(reconciliation.ok).toBe(true);
    expect(pools.ok).toBe(true);
    if (process.env.FAULT_VERBOSE) console.log(`PostgreSQL kill scenario: ${Date.now() - started} ms`);
  });
});
