import request from 'supertest';
import { DataSource } from 'typeorm';
import { createAdmin, reconcile } from './support/ledger';
import { createHouseMarket, units } from './support/markets';
import { idempotencyKey, waitFor } from './support/rounds';
import { assertBuilt, ServerProcess, startServer } from './support/server-process';
import { RunningApp, startTestApp } from './support/test-app';
import { createTestUser, type TestUser } from './support/users';

// Two real server processes (the compiled app) share the markets venue: one shard per market, the pool and the
// books in memory on its leader. Users rest orders on a market, then send a burst of keyed commands (AMM buys and
// sells, resting orders, cancels) through both servers, and the shard's leader is killed with SIGKILL in the
// middle. Every command is retried with its key until it has a definite answer. Then: every acknowledged order
// and trade is in PostgreSQL, nothing was applied twice (replays answer the same ids, one row each), the book
// equals what the answers say, the survivor's in-memory book (rebuilt on takeover) cancels exactly the orders
// that rest, balances are exact and the ledger (pool invariant included) reconciles.
// The jest process runs an app of its own for users, tokens and the database, with the engine off and no workers.

const START = '1000';
const USERS = 8;
const KILL_AFTER_ANSWERS = 30;

interface Server {
  name: string;
  proc: ServerProcess;
  url: string;
  pid: number;
  alive: boolean;
}

interface Command {
  user: TestUser;
  kind: 'buy' | 'sell' | 'place' | 'cancel';
  method: 'post' | 'delete';
  path: string;
  body?: object;
  key?: string;
  /** The first 2xx answer, and whether it came before the kill. */
  answer?: { status: number; body: Record<string, unknown>; beforeKill: boolean };
}

interface Resting {
  id: string;
  outcome: number;
  side: 'buy' | 'sell';
  price: string;
  shares: bigint;
}

describe('Markets: the shard leader killed with SIGKILL in a burst of orders and trades (e2e)', () => {
  let helper: RunningApp;
  let db: DataSource;
  let admin: TestUser;
  const servers: Server[] = [];
  let killed = false;
  /** Sends that got no definite answer (the server died under them, or a 503) and were sent again. */
  let retried = 0;

  const env = () => ({
    ENGINE_LEASE_MS: '900',
    ENGINE_REPLY_TIMEOUT_MS: '4000',
    // Small batches: the 12 clients fill more than one, so batches of resting buys and cancels overlap the commit before them.
    ENGINE_BATCH_SIZE: '4',
    STARTING_BALANCE: START,
    ROUNDS_ENGINE_ENABLED: 'false',
    PRICE_FEED_ENABLED: 'false',
    RATE_LIMIT_PER_MINUTE: '1000000',
    RATE_LIMIT_AUTH_PER_MINUTE: '1000000',
    RATE_LIMIT_REFRESH_PER_MINUTE: '1000000',
  });

  async function boot(name: string): Promise<Server> {
    const proc = startServer({ ...env(), LOG_LEVEL: 'info' });
    const server: Server = { name, proc, url: '', pid: proc.child.pid!, alive: true };
    servers.push(server);
    void proc.exited.then(() => (server.alive = false));
    const banner = await proc.waitForLog(/listening on [\d.]+:\d+;/, 30_000);
    server.url = `http://${/listening on ([\d.]+:\d+);/.exec(banner)![1]}`;
    return server;
  }

  const live = () => servers.filter((server) => server.alive);

  async function leaderOf(marketId: string): Promise<Server | undefined> {
    const rows = (await db.query(`SELECT leader FROM engine_shards WHERE venue = 'markets' AND shard = $1`, [marketId])) as { leader: string }[];
    const pid = Number(rows[0]?.leader.split(':').at(-2));
    return live().find((server) => server.pid === pid);
  }

  /** Sends one command through `server`; a network error (the server died) or a 503 is no answer (null). */
  async function send(server: Server, command: Command): Promise<{ status: number; body: Record<string, unknown> } | null> {
    try {
      let call = command.method === 'post' ? request(server.url).post(`/api/v1${command.path}`) : request(server.url).delete(`/api/v1${command.path}`);
      call = call.set(command.user.auth).timeout(8000);
      if (command.key) call = call.set('Idempotency-Key', command.key);
      const response = await (command.body ? call.send(command.body) : call);
      if (response.status >= 500) return null;
      return { status: response.status, body: response.body as Record<string, unknown> };
    } catch {
      return null;
    }
  }

  /** Sends until a definite answer (2xx or 4xx), on any live server, with the command's own key. */
  async function settle(command: Command, first: Server): Promise<void> {
    let through = first;
    for (let attempt = 0; attempt < 60; attempt++) {
      const answer = await send(through, command);
      if (answer) {
        expect({ path: command.path, request: command.body, ...answer }).toMatchObject({ status: command.method === 'post' ? 201 : 200 });
        command.answer ??= { ...answer, beforeKill: !killed };
        return;
      }
      retried += 1;
      through = live()[attempt % live().length];
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
    throw new Error(`no definite answer for ${command.method} ${command.path}`);
  }

  beforeAll(async () => {
    assertBuilt();
    helper = await startTestApp({ ENGINE_ENABLED: 'false', APP_ROLE: 'api', STARTING_BALANCE: START });
    db = helper.app.get(DataSource);
    admin = await createAdmin(helper);
    // One after the other: the first runs the migrations alone.
    await boot('first');
    await boot('second');
  }, 60_000);

  afterAll(async () => {
    for (const server of live()) {
      server.proc.child.kill('SIGTERM');
      await server.proc.exited;
    }
    await helper?.close();
  });

  it('loses no acknowledged order or trade, applies nothing twice, and the survivor rebuilds the same book', async () => {
    const market = await createHouseMarket(helper, admin, { outcomes: ['Yes', 'No'], subsidy: '500' });
    const via = live();
    const users = await Promise.all(Array.from({ length: USERS }, () => createTestUser(helper)));
    await Promise.all(users.map((user, n) => request(via[n % via.length].url).get('/api/v1/accounts/me').set(user.auth).expect(200)));

    const commands: Command[] = [];
    const buy = (user: TestUser, outcome: string, amount: string): Command => ({ user, kind: 'buy', method: 'post', path: `/markets/${market.id}/buy`, body: { outcome, amount }, key: idempotencyKey() });
    const sell = (user: TestUser, outcome: string, shares: string): Command => ({ user, kind: 'sell', method: 'post', path: `/markets/${market.id}/sell`, body: { outcome, shares }, key: idempotencyKey() });
    const place = (user: TestUser, outcome: string, side: 'buy' | 'sell', price: string, shares: string): Command => ({
      user,
      kind: 'place',
      method: 'post',
      path: `/markets/${market.id}/orders`,
      body: { outcome, side, price, shares, timeInForce: 'GTC' },
      key: idempotencyKey(),
    });
    const run = async (batch: Command[], concurrency: number, onAnswer?: () => void) => {
      commands.push(...batch);
      let next = 0;
      await Promise.all(
        Array.from({ length: concurrency }, async (_, worker) => {
          while (next < batch.length) {
            const command = batch[next++];
            await settle(command, live()[worker % live().length]);
            onAnswer?.();
          }
        }),
      );
    };

    // Every user holds Yes shares, and rests orders far from the pool's price (they never cross it).
    await run(users.map((user) => buy(user, 'Yes', '20')), 4);
    const leader = await waitFor('a markets leader', () => leaderOf(market.id), 15_000);
    await run(
      users.flatMap((user, n) => [
        place(user, 'Yes', 'buy', `0.0${(n % 5) + 2}`, '10'),
        place(user, 'Yes', 'sell', `0.9${(n % 3) + 6}`, '5'),
        place(user, 'No', 'buy', '0.05', '8'),
      ]),
      6,
    );
    const resting = (): Resting[] =>
      commands
        .filter((command) => command.kind === 'place')
        .map((command) => command.answer!.body.order as { id: string; outcome: number; side: 'buy' | 'sell'; price: string; shares: string })
        .map((order) => ({ id: order.id, outcome: order.outcome, side: order.side, price: order.price, shares: units(order.shares) }));

    // The burst: trades, more resting orders and cancels of resting ones, through both servers; the leader dies in it.
    const placedBefore = commands.filter((command) => command.kind === 'place');
    const burst: Command[] = [];
    // It opens with resting buys only: batches of them overlap the commit before them (ENGINE_BATCH_SIZE 4).
    for (const price of ['0.02', '0.03']) for (const user of users) burst.push(place(user, 'No', 'buy', price, '5'));
    // Then a buy by each user: batches of trades by users the batch before did not trade for overlap its commit too.
    for (const user of users) burst.push(buy(user, 'No', '0.5'));
    users.forEach((user, n) => {
      burst.push(buy(user, n % 2 === 0 ? 'Yes' : 'No', '3'));
      burst.push(place(user, 'Yes', 'buy', '0.03', '4'));
      burst.push(sell(user, 'Yes', '2'));
      burst.push(buy(user, 'Yes', '1.5'));
      burst.push(place(user, 'Yes', 'sell', '0.98', '3'));
      const own = placedBefore.filter((command) => command.user === user);
      const cancelled = own[n % own.length].answer!.body.order as { id: string };
      burst.push({ user, kind: 'cancel', method: 'delete', path: `/markets/${market.id}/orders/${cancelled.id}` });
      burst.push(sell(user, 'Yes', '1'));
      burst.push(place(user, 'No', 'buy', '0.04', '6'));
    });
    let answers = 0;
    const burstDone = run(burst, 12, () => {
      answers += 1;
      if (answers === KILL_AFTER_ANSWERS && !killed) {
        killed = true;
        leader.proc.child.kill('SIGKILL');
      }
    });
    await burstDone;
    expect(killed).toBe(true);
    expect((await leader.proc.exited).signal).toBe('SIGKILL');
    const survivor = live()[0];
    expect(await waitFor('the takeover', async () => ((await leaderOf(market.id)) === survivor ? survivor : null), 15_000, 20)).toBe(survivor);

    // Nothing applied twice: a replay of every keyed command answers the same order or trade.
    for (const command of commands.filter((one) => one.key)) {
      const replay = await send(survivor, command);
      const idOf = (body: Record<string, unknown>) => (command.kind === 'place' ? (body.order as { id: string }).id : body.tradeId);
      expect({ path: command.path, id: replay && idOf(replay.body) }).toEqual({ path: command.path, id: idOf(command.answer!.body) });
    }
    const acknowledgedBeforeKill = commands.filter((command) => command.answer!.beforeKill).length;
    expect(acknowledgedBeforeKill).toBeGreaterThanOrEqual(KILL_AFTER_ANSWERS - 1);
    process.stdout.write(`markets crash test: ${commands.length} commands, ${acknowledgedBeforeKill} acknowledged before the kill, ${retried} sends retried\n`);

    // Every acknowledged order and trade is there, once.
    const userIds = users.map((user) => user.id);
    const placed = commands.filter((command) => command.kind === 'place').map((command) => (command.answer!.body.order as { id: string }).id);
    const trades = commands.filter((command) => command.kind === 'buy' || command.kind === 'sell').map((command) => command.answer!.body.tradeId as string);
    const orderRows = (await db.query(`SELECT id FROM market_orders WHERE market_id = $1 AND user_id = ANY($2::uuid[])`, [market.id, userIds])) as { id: string }[];
    const tradeRows = (await db.query(`SELECT id FROM market_trades WHERE market_id = $1 AND user_id = ANY($2::uuid[])`, [market.id, userIds])) as { id: string }[];
    expect(orderRows.map((row) => row.id).sort()).toEqual([...placed].sort());
    expect(tradeRows.map((row) => row.id).sort()).toEqual([...trades].sort());
    const holds = (await db.query(
      `SELECT reference, count(*)::int AS n FROM ledger_transactions WHERE kind = 'market.order.hold' AND reference = ANY($1::text[]) GROUP BY reference`,
      [placed.map((id) => `market-order:${id}`)],
    )) as { reference: string; n: number }[];
    expect(holds.every((hold) => hold.n === 1)).toBe(true);

    // The book is what the answers say: every placed order rests whole (none crosses), less the cancelled ones.
    const cancelledIds = new Set(commands.filter((command) => command.kind === 'cancel').map((command) => command.answer!.body.id as string));
    for (const command of commands.filter((one) => one.kind === 'cancel')) expect(command.answer!.body.status).toBe('cancelled');
    const open = resting().filter((order) => !cancelledIds.has(order.id));
    for (const [outcome, label] of [
      [0, 'Yes'],
      [1, 'No'],
    ] as const) {
      const book = (await request(survivor.url).get(`/api/v1/markets/${market.id}/book`).query({ outcome: label, depth: 100 }).expect(200)).body as {
        bids: { price: string; shares: string; orders: number }[];
        asks: { price: string; shares: string; orders: number }[];
      };
      const levels = (side: 'buy' | 'sell') => {
        const byPrice = new Map<string, { shares: bigint; orders: number }>();
        for (const order of open.filter((one) => one.outcome === outcome && one.side === side)) {
          const level = byPrice.get(order.price) ?? { shares: 0n, orders: 0 };
          byPrice.set(order.price, { shares: level.shares + order.shares, orders: level.orders + 1 });
        }
        return [...byPrice].map(([price, level]) => ({ price, shares: level.shares, orders: level.orders })).sort((a, b) => (side === 'buy' ? Number(b.price) - Number(a.price) : Number(a.price) - Number(b.price)));
      };
      const seen = (list: { price: string; shares: string; orders: number }[]) => list.map((level) => ({ price: level.price, shares: units(level.shares), orders: level.orders }));
      expect({ outcome, bids: seen(book.bids), asks: seen(book.asks) }).toEqual({ outcome, bids: levels('buy'), asks: levels('sell') });
    }

    // The survivor's book in memory (rebuilt from PostgreSQL on takeover) holds exactly those orders: cancel-all takes each user's.
    for (const user of users) {
      const mine = new Set(commands.filter((command) => command.kind === 'place' && command.user === user).map((command) => (command.answer!.body.order as { id: string }).id));
      const expected = open.filter((order) => mine.has(order.id)).map((order) => order.id).sort();
      const cancelled = (await request(survivor.url).delete(`/api/v1/markets/${market.id}/orders`).set(user.auth).expect(200)).body.cancelled as { id: string; status: string }[];
      expect({ user: user.id, cancelled: cancelled.map((order) => order.id).sort() }).toEqual({ user: user.id, cancelled: expected });
    }

    // Balances exact: every hold released, available moved by exactly the trades' amounts.
    for (const user of users) {
      const mine = commands.filter((command) => command.user === user);
      const paid = mine.filter((command) => command.kind === 'buy').reduce((sum, command) => sum + units(command.answer!.body.amount as string), 0n);
      const received = mine.filter((command) => command.kind === 'sell').reduce((sum, command) => sum + units(command.answer!.body.amount as string), 0n);
      const balances = (await request(survivor.url).get('/api/v1/accounts/me').set(user.auth).expect(200)).body.balances as { asset: string; available: string; locked: string }[];
      const usdc = balances.find((balance) => balance.asset === 'USDC')!;
      expect({ user: user.id, available: units(usdc.available), locked: units(usdc.locked) }).toEqual({ user: user.id, available: units(START) - paid + received, locked: 0n });
    }
    const report = await reconcile({ url: survivor.url } as RunningApp, admin);
    expect(report.ok).toBe(true);
  }, 120_000);
});
