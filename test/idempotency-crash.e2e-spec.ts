import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ReconciliationService } from '../src/accounts/reconciliation.service';
import { createAdmin, createFundedUser, db, DEV_ADDRESS } from './support/ledger';
import { createHouseMarket } from './support/markets';
import { RunningApp, startTestApp } from './support/test-app';
import { TEST_ENGINE } from './support/test-engine';
import { TestUser } from './support/users';

// The compiled server (`npm test` builds first), killed with SIGKILL while it serves keyed requests.
const MAIN = join(__dirname, '..', 'dist', 'src', 'main.js');
const USERS = 8;
const PER_USER = 40;
const CONCURRENCY = 24;
const KILL_AFTER_ANSWERS = 60;
const SERVER_ENV = {
  NODE_ENV: 'test',
  LOG_LEVEL: 'info',
  LOG_FORMAT: 'json',
  HOST: '127.0.0.1',
  PORT: '0',
  ROUNDS_ENGINE_ENABLED: 'false',
  RATE_LIMIT_PER_MINUTE: '1000000',
  RATE_LIMIT_AUTH_PER_MINUTE: '1000000',
  RATE_LIMIT_REFRESH_PER_MINUTE: '1000000',
};

interface KeyedRequest {
  user: TestUser;
  key: string;
  kind: 'withdrawal' | 'buy';
  path: string;
  body: object;
}

interface Server {
  child: ChildProcess;
  url: string;
  exited: Promise<NodeJS.Signals | null>;
}

function startServer(): Promise<Server> {
  const child = spawn(process.execPath, [MAIN], { env: { ...TEST_ENGINE, ...process.env, ...SERVER_ENV }, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  return new Promise((resolve, reject) => {
    let output = '';
    let listened = false;
    const collect = (chunk: Buffer) => {
      // Once listening, nothing is looked for: the server logs a line per request (JSON), and scanning all of it
      // again for every chunk would make the harness, not the server, the bottleneck.
      if (listened) return;
      output += chunk.toString();
      // The startup banner: "... listening on 127.0.0.1:PORT; clients use PUBLIC_URL ...".
      const listening = /listening on ([\d.]+:\d+);/.exec(output);
      if (listening) {
        listened = true;
        clearTimeout(bootTimeout);
        resolve({ child, url: `http://${listening[1]}`, exited });
      }
    };
    // A server that never says where it listens must not outlive the test (jest would wait for it forever).
    const bootTimeout = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not report listening within 30 s:\n${output}`));
    }, 30_000);
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    void exited.then(() => {
      clearTimeout(bootTimeout);
      reject(new Error(`server exited before listening:\n${output}`));
    });
  });
}

function send(url: string, request: KeyedRequest): Promise<Response> {
  return fetch(`${url}/api/v1${request.path}`, {
    method: 'POST',
    headers: { ...request.user.auth, 'Content-Type': 'application/json', 'Idempotency-Key': request.key },
    body: JSON.stringify(request.body),
  });
}

/** Sends every request with CONCURRENCY in flight; `onAnswer` sees each answer (a killed server's requests just fail). */
async function fire(requests: KeyedRequest[], url: string, onAnswer: (request: KeyedRequest, response: Response) => Promise<void> | void): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < requests.length) {
        const request = requests[next++];
        try {
          await onAnswer(request, await send(url, request));
        } catch {
          // The connection died with the server.
        }
      }
    }),
  );
}

describe('Idempotency-Key across a kill -9 under load (e2e)', () => {
  let running: RunningApp;

  beforeAll(async () => {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run "npm run build" first (npm test does)`);
    running = await startTestApp();
  });

  afterAll(async () => {
    await running.close();
  });

  it('leaves each key absent (its work rolled back) or answered with its work committed, and every retry finishes', async () => {
    const admin = await createAdmin(running);
    const market = await createHouseMarket(running, admin, { subsidy: '1000' });
    const users = await Promise.all(Array.from({ length: USERS }, () => createFundedUser(running)));
    const requests: KeyedRequest[] = users.flatMap((user) =>
      Array.from({ length: PER_USER }, (_, index): KeyedRequest => {
        const key = `crash-${user.id}-${index}`;
        return index % 2 === 0
          ? { user, key, kind: 'withdrawal', path: '/accounts/me/withdrawals', body: { asset: 'USDC', amount: '0.01', chain: 'dev', toAddress: DEV_ADDRESS } }
          : { user, key, kind: 'buy', path: `/markets/${market.id}/buy`, body: { outcome: index % 4 === 1 ? 'Yes' : 'No', amount: '0.5' } };
      }),
    );
    // Interleave the users, so the kill lands on all of them.
    requests.sort((a, b) => Number(a.key.split('-').pop()) - Number(b.key.split('-').pop()));

    const first = await startServer();
    const beforeKill: number[] = [];
    await fire(requests, first.url, (_request, response) => {
      beforeKill.push(response.status);
      if (beforeKill.length === KILL_AFTER_ANSWERS) first.child.kill('SIGKILL');
    });
    expect(await first.exited).toBe('SIGKILL');
    expect(beforeKill.filter((status) => status !== 201)).toEqual([]);

    const keys = (await db(running).query(
      `SELECT key, state, response_status, response_body FROM idempotency_keys WHERE scope = ANY($1::text[])`,
      [users.map((user) => user.id)],
    )) as { key: string; state: string; response_status: number; response_body: { id?: string; tradeId?: string } }[];
    // Mid-load: some answers were stored, some requests were cut off before their commit.
    expect(keys.length).toBeGreaterThanOrEqual(KILL_AFTER_ANSWERS);
    expect(keys.length).toBeLessThan(requests.length);
    for (const row of keys) expect({ key: row.key, state: row.state, status: row.response_status }).toEqual({ key: row.key, state: 'completed', status: 201 });

    // Work committed if and only if its key was answered: per user, one withdrawal or trade per answered key.
    const answered = new Map(keys.map((row) => [row.key, row.response_body]));
    for (const user of users) {
      const mine = requests.filter((request) => request.user === user && answered.has(request.key));
      const withdrawalIds = mine.filter((request) => request.kind === 'withdrawal').map((request) => answered.get(request.key)!.id);
      const tradeIds = mine.filter((request) => request.kind === 'buy').map((request) => answered.get(request.key)!.tradeId);
      const [withdrawals] = await db(running).query(`SELECT array_agg(id::text ORDER BY id) AS ids FROM withdrawals WHERE user_id = $1`, [user.id]);
      const [trades] = await db(running).query(`SELECT array_agg(id::text ORDER BY id) AS ids FROM market_trades WHERE user_id = $1`, [user.id]);
      expect(withdrawals.ids ?? []).toEqual(withdrawalIds.sort());
      // A buy runs on the market's shard of the venue engine, which commits before the key's answer does: a trade
      // cut off between the two is committed with its key unanswered (its retry below gets the engine's stored
      // outcome, not a second trade). Every answered one is there.
      expect(trades.ids ?? []).toEqual(expect.arrayContaining(tradeIds));
    }

    // After a restart every retry (same key, same body) finishes: answered keys replay, the others run now.
    const second = await startServer();
    try {
      const replayed: string[] = [];
      const statuses: number[] = [];
      await fire(requests, second.url, (request, response) => {
        statuses.push(response.status);
        if (response.headers.get('idempotent-replayed') === 'true') replayed.push(request.key);
      });
      expect(statuses).toHaveLength(requests.length);
      expect(statuses.filter((status) => status !== 201)).toEqual([]);
      expect(replayed.sort()).toEqual([...answered.keys()].sort());
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
    }
    for (const user of users) {
      const [{ withdrawals }] = await db(running).query(`SELECT count(*)::int AS withdrawals FROM withdrawals WHERE user_id = $1`, [user.id]);
      const [{ trades }] = await db(running).query(`SELECT count(*)::int AS trades FROM market_trades WHERE user_id = $1`, [user.id]);
      expect({ withdrawals, trades }).toEqual({ withdrawals: PER_USER / 2, trades: PER_USER / 2 });
    }
    expect((await running.app.get(ReconciliationService).run()).ok).toBe(true);
    // Two server starts and two rounds of load: on a busy 2-core machine this took more than a minute.
  }, 180_000);
});
