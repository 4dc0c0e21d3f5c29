import { writeFileSync } from 'node:fs';
import { Wallet } from 'ethers';
import { io } from 'socket.io-client';
import { DataSource } from 'typeorm';
import { ReconciliationService } from '../../src/accounts/reconciliation.service';
import { createAdmin, createFundedUser, DEV_ADDRESS } from '../support/ledger';
import { createHouseMarket, marketBody } from '../support/markets';
import { resetRoundsVenue, waitFor } from '../support/rounds';
import { assertBuilt, ServerProcess, startServer } from '../support/server-process';
import { siweMessageFor } from '../support/sign-in';
import { RunningApp, startTestApp } from '../support/test-app';
import { TestUser } from '../support/users';
import { recordFaultScenario } from './support/fault-report';
import { PrivateRedis } from '../support/private-redis';

// One server process on a Redis of the scenario's own, which is killed for 10 s and started again (empty) on the
// same port. While it is down, every request is answered within REQUEST_DEADLINE_MS: what needs Redis (sign-in and
// refresh rate limits, the venue engine, rounds, sockets) with a clear 503, what needs only PostgreSQL (market list,
// balances, ledger, history) with its usual 200; never a 500. Once Redis is back the same requests succeed, without
// restarting the server, and a money POST refused with 503 and retried with the same Idempotency-Key moves money once.
// The jest process runs an app of its own on the shared Redis for users, tokens and the database (engine off).

const BTC = 'BTC_USDC_PERP';
const START = '1000';
const OUTAGE_MS = 10_000;
/** Longest a request may take while Redis is down: the engine's reply timeout (set below) plus margin. */
const REQUEST_DEADLINE_MS = 6_000;

type Kind = 'withdrawal' | 'market buy' | 'perps trade' | 'round position';
interface MoneyPost {
  kind: Kind;
  user: TestUser;
  key: string;
  path: string;
  body: object;
  /** Every answer's status, in order; `timeout` when none came within REQUEST_DEADLINE_MS. */
  statuses: (number | 'timeout')[];
  /** The id of what it created, from the 2xx answer. */
  id?: string;
}

interface Answer {
  name: string;
  status: number | 'timeout';
  ms: number;
  body: { error?: string; message?: string; [key: string]: unknown } | null;
}

describe('Fault: Redis stopped for 10 s and restarted', () => {
  let redis: PrivateRedis;
  let helper: RunningApp;
  let db: DataSource;
  let server: ServerProcess;
  let url: string;
  let users: TestUser[];
  let marketId: string;
  let admin: TestUser;
  /** Markets for the admin to resolve, one per probe round (a resolution enqueues the settlement job). */
  const toResolve: string[] = [];
  const resolved: string[] = [];
  const posts: MoneyPost[] = [];
  let keys = 0;

  async function call(name: string, method: string, path: string, options: { auth?: TestUser['auth']; body?: object; key?: string } = {}): Promise<Answer> {
    const started = Date.now();
    try {
      const response = await fetch(`${url}${path}`, {
        method,
        headers: { ...(options.auth ?? {}), ...(options.body ? { 'Content-Type': 'application/json' } : {}), ...(options.key ? { 'Idempotency-Key': options.key } : {}) },
        body: options.body ? JSON.stringify(options.body) : undefined,
        signal: AbortSignal.timeout(REQUEST_DEADLINE_MS),
      });
      const text = await response.text();
      let body: Answer['body'] = null;
      try {
        body = JSON.parse(text);
      } catch {
        body = { message: text };
      }
      return { name, status: response.status, ms: Date.now() - started, body };
    } catch (error) {
      if ((error as Error).name === 'TimeoutError') return { name, status: 'timeout', ms: Date.now() - started, body: null };
      throw error;
    }
  }

  async function send(post: MoneyPost): Promise<Answer> {
    const answer = await call(post.kind, 'POST', post.path, { auth: post.user.auth, body: post.body, key: post.key });
    post.statuses.push(answer.status);
    if (typeof answer.status === 'number' && answer.status < 300) post.id = (answer.body?.tradeId ?? answer.body?.id) as string;
    return answer;
  }

  function moneyPost(kind: Kind, user: TestUser, path: string, body: object): MoneyPost {
    keys += 1;
    const post: MoneyPost = { kind, user, key: `redis-outage-${process.pid}-${keys}`, path, body, statuses: [] };
    posts.push(post);
    return post;
  }

  async function currentRound(): Promise<Answer> {
    return call('current round', 'GET', '/api/v1/rounds/current');
  }

  /** A SIWE sign-in through the spawned server; the nonce's rate limit lives in Redis. */
  async function signIn(): Promise<{ nonce: Answer; verify?: Answer }> {
    const nonce = await call('sign-in nonce', 'POST', '/api/v1/auth/siwe/nonce');
    if (nonce.status !== 201) return { nonce };
    const wallet = Wallet.createRandom();
    const message = siweMessageFor(helper, wallet, nonce.body!.nonce as string);
    const verify = await call('sign-in verify', 'POST', '/api/v1/auth/siwe/verify', { body: { message, signature: await wallet.signMessage(message) } });
    return { nonce, verify };
  }

  /**
   * A signed-in socket connects and subscribes to the ticker: 101 when both worked, 503 when the subscription was
   * refused as unavailable, `timeout` when either hung (the connect error or the ack never came).
   */
  function socketConnect(user: TestUser): Promise<Answer> {
    const started = Date.now();
    return new Promise((resolve) => {
      const socket = io(url, { transports: ['websocket'], reconnection: false, forceNew: true, timeout: REQUEST_DEADLINE_MS, auth: { token: user.token } });
      const done = (status: number | 'timeout', message: string) => {
        socket.close();
        resolve({ name: 'socket connect+subscribe', status, ms: Date.now() - started, body: { message } });
      };
      socket.once('connect', () => {
        socket
          .timeout(Math.max(1, REQUEST_DEADLINE_MS - (Date.now() - started)))
          .emitWithAck('subscribe', { channel: `ticker:${BTC}` })
          .then((ack: { ok: boolean; error?: string }) => done(ack.ok ? 101 : 503, ack.ok ? 'subscribed' : `${ack.error}`))
          .catch(() => done('timeout', 'no subscribe ack'));
      });
      socket.once('connect_error', (error) => done(error.message === 'timeout' ? 'timeout' : 503, error.message));
    });
  }

  /** A session of the spawned server's own (SIWE), whose refresh token the probes rotate. */
  let refreshToken = '';
  async function refresh(): Promise<Answer> {
    const answer = await call('refresh', 'POST', '/api/v1/auth/refresh', { body: { refreshToken } });
    if (answer.status === 200) refreshToken = answer.body!.refreshToken as string;
    return answer;
  }

  /** Places a round position, waiting for an ACTIVE round and trying again when the round ended meanwhile (409). */
  async function placeRoundPosition(user: TestUser): Promise<MoneyPost> {
    return waitFor(
      'a round position accepted',
      async () => {
        const round = await call('current round', 'GET', '/api/v1/rounds/current');
        if (round.status !== 200 || round.body!.status !== 'ACTIVE') return null;
        const post = moneyPost('round position', user, `/api/v1/rounds/${round.body!.id as string}/positions`, { side: 'long', amount: '1' });
        const answer = await send(post);
        if (answer.status === 409) return null;
        expect({ status: answer.status, body: answer.body }).toMatchObject({ status: 201 });
        return post;
      },
      30_000,
      50,
    );
  }

  /** One of each: the sign-in and session paths, money POSTs with keys, PostgreSQL reads, a socket. */
  async function probeAll(): Promise<{ answers: Answer[]; posted: MoneyPost[] }> {
    const [alice, bob, carol, dave] = users;
    const round = await currentRound();
    const roundId = round.status === 200 ? (round.body!.id as string) : null;
    const posted = [
      moneyPost('withdrawal', alice, '/api/v1/accounts/me/withdrawals', { asset: 'USDC', amount: '0.01', chain: 'dev', toAddress: DEV_ADDRESS }),
      moneyPost('market buy', bob, `/api/v1/markets/${marketId}/buy`, { outcome: 'Yes', amount: '0.5' }),
      moneyPost('perps trade', carol, '/api/v1/trades', { symbol: BTC, side: 'long', margin: '5', leverage: 2 }),
      ...(roundId ? [moneyPost('round position', dave, `/api/v1/rounds/${roundId}/positions`, { side: 'long', amount: '1' })] : []),
    ];
    const signingIn = signIn();
    const resolving = toResolve.shift()!;
    resolved.push(resolving);
    const answers = await Promise.all([
      // Admin writes that enqueue jobs (the new market's close, the resolved market's settlement).
      call('admin market create', 'POST', '/api/v1/admin/markets', { auth: admin.auth, body: marketBody({ subsidy: '10' }) }),
      call('admin market resolve', 'POST', `/api/v1/admin/markets/${resolving}/resolve`, { auth: admin.auth, body: { outcome: 'Yes' }, key: `resolve-${resolving}` }),
      ...posted.map(send),
      call('markets list', 'GET', '/api/v1/markets'),
      call('market', 'GET', `/api/v1/markets/${marketId}`),
      call('market history', 'GET', `/api/v1/markets/${marketId}/history`),
      call('balances', 'GET', '/api/v1/accounts/me', { auth: alice.auth }),
      call('ledger', 'GET', '/api/v1/accounts/me/ledger', { auth: bob.auth }),
      call('withdrawals list', 'GET', '/api/v1/accounts/me/withdrawals', { auth: alice.auth }),
      call('perps positions', 'GET', '/api/v1/trades', { auth: carol.auth }),
      call('sessions', 'GET', '/api/v1/auth/sessions', { auth: alice.auth }),
      refresh(),
      socketConnect(dave),
    ]);
    const { nonce, verify } = await signingIn;
    answers.push(round, nonce, ...(verify ? [verify] : []));
    return { answers, posted };
  }

  const describeAnswers = (answers: Answer[]) => answers.map((one) => `${one.name}: ${one.status} in ${one.ms} ms ${one.body?.error ?? ''} ${one.body?.message ?? ''}`).join('\n');

  beforeAll(async () => {
    assertBuilt();
    await resetRoundsVenue(process.env.DATABASE_URL!);
    redis = await PrivateRedis.start();
    helper = await startTestApp({ ENGINE_ENABLED: 'false', STARTING_BALANCE: START });
    db = helper.app.get(DataSource);
    admin = await createAdmin(helper);
    marketId = (await createHouseMarket(helper, admin, { subsidy: '1000' })).id;
    for (let n = 0; n < 4; n++) toResolve.push((await createHouseMarket(helper, admin, { subsidy: '10' })).id);
    users = await Promise.all(Array.from({ length: 4 }, () => createFundedUser(helper)));
    server = startServer({
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: 'cm-fault-redis',
      STARTING_BALANCE: START,
      PRICE_FEED_ENABLED: 'true',
      PRICE_FEED: 'simulator',
      PERP_SYMBOLS: BTC,
      ROUNDS_ENGINE_ENABLED: 'true',
      ROUND_TICK_MS: '100',
      ROUND_MAX_TICKS: '80',
      ROUND_COOLDOWN_MS: '1000',
      ROUND_LEASE_MS: '1000',
      ROUND_MIN_STAKE: '1',
      ENGINE_REPLY_TIMEOUT_MS: '3000',
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
    // FAULT_SERVER_LOG=<file> keeps the spawned server's log lines, to see what it made of the outage.
    if (process.env.FAULT_SERVER_LOG && server) writeFileSync(process.env.FAULT_SERVER_LOG, server.output());
    if (server && server.child.exitCode === null && server.child.signalCode === null) {
      server.child.kill('SIGTERM');
      await server.exited;
    }
    await helper?.close();
    await redis?.stop();
  });

  /** The ticker answers 200 with `stale: true` too: trading needs a fresh one. */
  async function freshQuote(): Promise<boolean> {
    const ticker = await call('ticker', 'GET', `/api/v1/perps/${BTC}/ticker`);
    return ticker.status === 200 && ticker.body!.stale === false;
  }

  const POSTGRES_READS = ['markets list', 'market', 'market history', 'balances', 'ledger', 'withdrawals list', 'perps positions', 'sessions', 'refresh', 'current round'];
  const isPost = (name: string) => ['withdrawal', 'market buy', 'perps trade', 'round position'].includes(name);

  /** Everything answered 2xx (a round position may meet the round between two rounds: 409). */
  function expectAllWorking(answers: Answer[]): void {
    const broken = answers.filter((one) => !(typeof one.status === 'number' && (one.status < 300 || (one.name === 'round position' && one.status === 409))));
    expect(describeAnswers(broken)).toBe('');
  }

  it('answers 503 where Redis is needed, serves PostgreSQL reads, and recovers without a restart; retried keys move money once', async () => {
    const started = Date.now();
    // Before: everything works (a perps quote, a running round, a session of this server's own first).
    await waitFor('a fresh BTC quote', freshQuote, 20_000, 100);
    const session = await signIn();
    expect(session.verify?.status).toBe(200);
    refreshToken = session.verify!.body!.refreshToken as string;
    const before = await probeAll();
    expectAllWorking(before.answers);
    await placeRoundPosition(users[3]);

    await redis.stop();
    const outageStarted = Date.now();
    const during: Answer[] = [];
    const outagePosts: MoneyPost[] = [];
    // Two rounds of probes: just after the kill (connections reset, reconnecting) and later (reconnects refused).
    for (const wait of [300, 5_000]) {
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, outageStarted + wait - Date.now())));
      const probed = await probeAll();
      during.push(...probed.answers);
      outagePosts.push(...probed.posted);
    }
    const outageProbed = Date.now() - outageStarted;
    if (process.env.FAULT_VERBOSE) console.log(`during the outage:\n${describeAnswers(during)}`);
    expect(outageProbed).toBeLessThan(OUTAGE_MS);
    // Never a hang (the fetch gives up at REQUEST_DEADLINE_MS), never a 500; what needs Redis says so with a 503.
    const badDuring = during.filter((one) => one.status === 'timeout' || (one.status >= 500 && one.status !== 503) || (one.status === 503 && !one.body?.error));
    expect(describeAnswers(badDuring)).toBe('');
    // Reads that need only PostgreSQL keep working.
    const readsDuring = during.filter((one) => POSTGRES_READS.includes(one.name));
    expect(describeAnswers(readsDuring.filter((one) => one.status !== 200))).toBe('');
    expect(readsDuring.length).toBeGreaterThanOrEqual(2 * POSTGRES_READS.length);
    // Sign-in counts its attempts in Redis and refuses uncounted ones.
    expect(during.filter((one) => one.name === 'sign-in nonce').map((one) => [one.status, one.body?.error])).toEqual([
      [503, 'ServiceUnavailable'],
      [503, 'ServiceUnavailable'],
    ]);
    // Money POSTs: done, or refused as a whole (503, or 409 for a round that cannot tick without Redis).
    expect(during.filter((one) => isPost(one.name) && ![201, 503, 409].includes(one.status as number))).toEqual([]);

    await new Promise((resolve) => setTimeout(resolve, Math.max(0, outageStarted + OUTAGE_MS - Date.now())));
    await redis.restart();

    // After: the same server (never restarted) answers everything again.
    await waitFor('the server ready again', async () => (await call('ready', 'GET', '/ready')).status === 200, 20_000, 200);
    await waitFor('a fresh BTC quote again', freshQuote, 20_000, 100);
    const after = await probeAll();
    expectAllWorking(after.answers);
    expect(after.answers.find((one) => one.name === 'sign-in verify')?.status).toBe(200);
    await placeRoundPosition(users[3]);
    // Markets resolved while Redis was down are settled once it is back (the enqueue the request stopped waiting
    // for runs then; the minute sweep is the backstop).
    await waitFor(
      'the settlement of every resolved market',
      async () => {
        const markets = await Promise.all(resolved.map((id) => call('market', 'GET', `/api/v1/markets/${id}`)));
        return markets.every((one) => one.status === 200 && one.body!.settledAt);
      },
      30_000,
      250,
    );

    // Clients retry what the outage refused (and what it answered) with the same key and body: one effect each.
    for (const post of outagePosts) {
      const firstId = post.id;
      const answer = await send(post);
      expect({ kind: post.kind, status: answer.status }).toEqual({ kind: post.kind, status: post.kind === 'round position' && answer.status === 409 ? 409 : 201 });
      if (firstId) expect(post.id).toBe(firstId);
    }
    expect(server.child.exitCode).toBeNull();
    expect(server.child.signalCode).toBeNull();

    const acknowledged = posts.filter((post) => post.id);
    const tables: Record<Kind, string> = { withdrawal: 'withdrawals', 'market buy': 'market_trades', 'perps trade': 'perp_positions', 'round position': 'round_positions' };
    let found = 0;
    for (const [kind, table] of Object.entries(tables) as [Kind, string][]) {
      const mine = acknowledged.filter((post) => post.kind === kind);
      const ids = mine.map((post) => post.id!);
      const [{ n }] = (await db.query(`SELECT count(*)::int AS n FROM ${table} WHERE id = ANY($1::uuid[])`, [ids])) as { n: number }[];
      found += n;
      // Exactly one effect per key: the users' rows of that kind are the acknowledged ones, no more.
      const userIds = [...new Set(mine.map((post) => post.user.id))];
      const [{ total }] = (await db.query(`SELECT count(*)::int AS total FROM ${table} WHERE user_id = ANY($1::uuid[])`, [userIds])) as { total: number }[];
      expect({ kind, total }).toEqual({ kind, total: ids.length });
    }
    const report = await helper.app.get(ReconciliationService).run();
    recordFaultScenario({ scenario: 'Redis stopped 10 s, restarted', acknowledged: acknowledged.length, found, reconciliation: report.ok ? 'ok' : JSON.stringify(report) });
    expect(found).toBe(acknowledged.length);
    expect(report.ok).toBe(true);
    if (process.env.FAULT_VERBOSE) console.log(`Redis outage scenario: ${Date.now() - started} ms`);
  });
});
