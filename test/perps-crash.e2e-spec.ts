import request from 'supertest';
import { DataSource, In } from 'typeorm';
import { formatUsdc, parseUsdc } from '../src/common/money/usdc';
import { type CloseReason, settle } from '../src/trades/core/perp-math';
import { formatPrice, parsePrice } from '../src/trades/core/price';
import { PerpFillEntity } from '../src/trades/perp-fill.entity';
import { PerpOrderEntity } from '../src/trades/perp-order.entity';
import { PerpPositionEntity } from '../src/trades/perp-position.entity';
import { createAdmin, reconcile } from './support/ledger';
import { idempotencyKey, waitFor } from './support/rounds';
import { ScriptedBackpack, startScriptedBackpack } from './support/scripted-backpack';
import { assertBuilt, ServerProcess, startServer } from './support/server-process';
import { RunningApp, startTestApp } from './support/test-app';
import { createTestUser, type TestUser } from './support/users';

// Two real server processes (the compiled app) share the perps venue, prices from a scripted Backpack server.
// Users open a few dozen positions through both, with stops and take-profits just beyond the price, pending
// orders and positions near liquidation; the shard's leader is killed with SIGKILL, and the crossing tick comes
// right after the kill (A) or just before it, so the leader may die with the tick's batch in flight (B). The
// survivor takes the shard over from PostgreSQL, and every crossed trigger fires exactly once.
// The jest process runs an app of its own for users, tokens and the database, with the engine off (it never leads).

const BTC = 'BTC_USDC_PERP';
const START = '1000';
const OPEN = { bid: '65000', ask: '65010' };
/** Crosses every stop-loss and take-profit below, both limit/stop orders at 64000 and the 40x longs' liquidation (≈ 63709.8). */
const CROSS = { bid: '63500', ask: '63510' };
const USERS = 12;

interface Server {
  name: string;
  proc: ServerProcess;
  url: string;
  pid: number;
  alive: boolean;
}

type Expected = CloseReason | 'open';
interface Opened {
  user: TestUser;
  id: string;
  expected: Expected;
}
interface Placed {
  user: TestUser;
  id: string;
  fills: boolean;
}

describe('Perps: the shard leader killed with SIGKILL around a crossing tick (e2e)', () => {
  let backpack: ScriptedBackpack;
  let helper: RunningApp;
  let db: DataSource;
  let admin: TestUser;
  const servers: Server[] = [];

  const env = () => ({
    PRICE_FEED_ENABLED: 'true',
    PRICE_FEED: 'backpack',
    BACKPACK_WS_URL: backpack.url,
    PERP_SYMBOLS: BTC,
    FEED_STALE_MS: '3000',
    FEED_LEASE_MS: '600',
    ENGINE_LEASE_MS: '900',
    STARTING_BALANCE: START,
    ROUNDS_ENGINE_ENABLED: 'false',
    RATE_LIMIT_PER_MINUTE: '1000000',
    RATE_LIMIT_AUTH_PER_MINUTE: '1000000',
    RATE_LIMIT_REFRESH_PER_MINUTE: '1000000',
    LOG_LEVEL: 'warn',
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

  /** The live server whose instance id (`host:pid:uuid`) is on the shard's row: the one whose batches commit. */
  async function leaderOf(): Promise<Server | undefined> {
    const rows = (await db.query(`SELECT leader FROM engine_shards WHERE venue = 'perps' AND shard = $1`, [BTC])) as { leader: string }[];
    const pid = Number(rows[0]?.leader.split(':').at(-2));
    return live().find((server) => server.pid === pid);
  }

  async function ticker(server: Server): Promise<{ bid: string; ask: string; stale: boolean } | null> {
    const response = await request(server.url).get(`/api/v1/perps/${BTC}/ticker`);
    return response.status === 200 ? response.body : null;
  }

  const sameQuote = (seen: { bid: string; ask: string; stale: boolean } | null, book: { bid: string; ask: string }) =>
    seen !== null && !seen.stale && parsePrice(seen.bid) === parsePrice(book.bid) && parsePrice(seen.ask) === parsePrice(book.ask);

  /** Sends the quote (again now and then: a frame before a feed leader's (re)connect is lost) until every server in `to` has it fresh. */
  async function quote(book: { bid: string; ask: string }, to: () => Server[] = live): Promise<void> {
    let sentAt = 0;
    await waitFor(
      `quote ${book.bid}/${book.ask}`,
      async () => {
        const seen = await Promise.all(to().map(ticker));
        if (seen.every((one) => sameQuote(one, book))) return true;
        if (Date.now() - sentAt > 200) {
          backpack.send(BTC, book);
          sentAt = Date.now();
        }
        return false;
      },
      15_000,
    );
  }

  async function post(server: Server, user: TestUser, path: string, body: object): Promise<{ id: string }> {
    const response = await request(server.url).post(path).set(user.auth).set('Idempotency-Key', idempotencyKey()).send(body);
    expect({ path, status: response.status, body: response.body }).toMatchObject({ status: path.endsWith('/close') ? 200 : 201 });
    return response.body;
  }

  /** Users open a few dozen positions and some orders on BTC through every live server, in parallel. */
  async function openBook(): Promise<{ users: TestUser[]; positions: Opened[]; orders: Placed[] }> {
    // Opening the book takes longer than FEED_STALE_MS on a loaded machine: the OPEN quote is repeated so it stays fresh.
    const fresh = setInterval(() => backpack.send(BTC, OPEN), 500);
    try {
      return await openBookOnFreshQuote();
    } finally {
      clearInterval(fresh);
    }
  }

  async function openBookOnFreshQuote(): Promise<{ users: TestUser[]; positions: Opened[]; orders: Placed[] }> {
    const via = live();
    const users = await Promise.all(Array.from({ length: USERS }, () => createTestUser(helper)));
    // The account opens (and STARTING_BALANCE is granted) on the first read.
    await Promise.all(users.map((user, n) => request(via[n % via.length].url).get('/api/v1/accounts/me').set(user.auth).expect(200)));
    const positions: Opened[] = [];
    const orders: Placed[] = [];
    await Promise.all(
      users.map(async (user, n) => {
        const server = via[n % via.length];
        const other = via[(n + 1) % via.length];
        const open = async (through: Server, body: object, expected: Expected) =>
          positions.push({ user, expected, id: (await post(through, user, '/api/v1/trades', { symbol: BTC, ...body })).id });
        const place = async (through: Server, body: object, fills: boolean) =>
          orders.push({ user, fills, id: (await post(through, user, '/api/v1/orders', { symbol: BTC, ...body })).id });
        await open(server, { side: 'long', margin: '10', leverage: 5, stopLoss: '64900' }, 'stop_loss');
        await open(other, { side: 'short', margin: '10', leverage: 5, takeProfit: '64900' }, 'take_profit');
        if (n % 3 === 0) await open(server, { side: 'long', margin: '12', leverage: 7, stopLoss: '64950', takeProfit: '65100' }, 'stop_loss');
        if (n % 3 === 1) await open(other, { side: 'short', margin: '12', leverage: 3, stopLoss: '65100', takeProfit: '64950' }, 'take_profit');
        // Not crossed by a falling price: stays open.
        if (n % 3 === 2) await open(server, { side: 'long', margin: '11', leverage: 4, takeProfit: '65100' }, 'open');
        await open(other, { side: 'short', margin: '9', leverage: 6, stopLoss: '65200' }, 'open');
        // Near liquidation (≈ 63709.8 for a 40x long at 65010); the stop below it loses to the liquidation.
        if (n % 4 === 0) await open(server, { side: 'long', margin: '20', leverage: 40, ...(n % 8 === 0 ? { stopLoss: '63800' } : {}) }, 'liquidation');
        if (n % 2 === 0) await place(other, { side: 'long', type: 'limit', price: '64000', margin: '10', leverage: 5 }, true);
        if (n % 2 === 1) await place(server, { side: 'short', type: 'stop', price: '64000', margin: '10', leverage: 5 }, true);
        if (n % 3 === 0) await place(server, { side: 'long', type: 'limit', price: '60000', margin: '10', leverage: 5 }, false);
      }),
    );
    return { users, positions, orders };
  }

  /** Every crossed trigger fired: the positions expected to close are closed, the orders expected to fill filled. */
  async function allFired(positions: Opened[], orders: Placed[]): Promise<boolean> {
    const closing = positions.filter((one) => one.expected !== 'open').map((one) => one.id);
    const closed = await db.getRepository(PerpPositionEntity).count({ where: { id: In(closing), status: 'closed' } });
    const filling = orders.filter((one) => one.fills).map((one) => one.id);
    const filled = await db.getRepository(PerpOrderEntity).count({ where: { id: In(filling), status: 'filled' } });
    return closed === closing.length && filled === filling.length;
  }

  /** Each position closed once with its reason at the crossing price, one fill each way, orders filled once; money exact to the unit. */
  async function expectExactlyOnce(users: TestUser[], positions: Opened[], orders: Placed[]): Promise<void> {
    const userIds = users.map((user) => user.id);
    const rows = await db.getRepository(PerpPositionEntity).find({ where: { userId: In(userIds) } });
    const orderRows = await db.getRepository(PerpOrderEntity).find({ where: { userId: In(userIds) } });
    const fills = await db.getRepository(PerpFillEntity).find({ where: { positionId: In(rows.map((row) => row.id)) } });
    const [{ taker_fee_bps: takerFeeBps }] = (await db.query(`SELECT taker_fee_bps FROM perp_markets WHERE symbol = $1`, [BTC])) as { taker_fee_bps: number }[];

    // Orders: each one expected to fill filled exactly once, into exactly one position; the others still open.
    expect(orderRows.map((order) => order.id).sort()).toEqual(orders.map((order) => order.id).sort());
    for (const order of orders) {
      const row = orderRows.find((one) => one.id === order.id)!;
      const children = rows.filter((position) => position.orderId === order.id);
      expect({ order: order.id, status: row.status, positions: children.length }).toEqual({ order: order.id, status: order.fills ? 'filled' : 'open', positions: order.fills ? 1 : 0 });
      if (order.fills) expect({ order: order.id, positionId: row.positionId }).toEqual({ order: order.id, positionId: children[0].id });
    }
    const fromOrders = rows.filter((position) => position.orderId !== null);
    expect(rows).toHaveLength(positions.length + fromOrders.length);
    for (const position of fromOrders) {
      const order = orderRows.find((one) => one.id === position.orderId)!;
      // A limit long buys at the ask, a stop short sells at the bid; no triggers on them, so they stay open.
      expect({ id: position.id, status: position.status, entry: formatPrice(position.entryPrice) }).toEqual({
        id: position.id,
        status: 'open',
        entry: formatPrice(parsePrice(order.side === 'long' ? CROSS.ask : CROSS.bid)),
      });
    }

    // Positions: the right reason at the crossing tick's price, the payout the rules give, one open and one trigger fill.
    const expectedOf = new Map<string, Expected>([...positions.map((one) => [one.id, one.expected] as const), ...fromOrders.map((row) => [row.id, 'open'] as const)]);
    for (const row of rows) {
      const expected = expectedOf.get(row.id)!;
      const kinds = fills.filter((fill) => fill.positionId === row.id).map((fill) => `${fill.kind}:${fill.reason ?? ''}`);
      if (expected === 'open') {
        expect({ id: row.id, status: row.status, fills: kinds }).toEqual({ id: row.id, status: 'open', fills: ['open:'] });
        continue;
      }
      const exitPrice = parsePrice(row.side === 'long' ? CROSS.bid : CROSS.ask);
      const settlement = settle(
        { side: row.side, margin: row.margin, leverage: row.leverage, entryPrice: row.entryPrice, maintenanceMarginBps: BigInt(row.maintenanceMarginBps) },
        exitPrice,
        expected,
        BigInt(takerFeeBps),
      );
      expect({ id: row.id, status: row.status, reason: row.closeReason, exit: formatPrice(row.exitPrice!), payout: row.payout, closeFee: row.closeFee, fills: kinds.sort() }).toEqual({
        id: row.id,
        status: 'closed',
        reason: expected,
        exit: formatPrice(exitPrice),
        payout: settlement.payout,
        closeFee: settlement.closeFee,
        fills: ['open:', `trigger:${expected}`],
      });
    }

    // The ledger: one close posting per closed position, and every user's balance exact to the minor unit.
    const closedRows = rows.filter((row) => row.status === 'closed');
    const closings = (await db.query(
      `SELECT reference, count(*)::int AS n FROM ledger_transactions WHERE reference = ANY($1::text[]) AND kind LIKE 'perp.position.%' AND kind <> 'perp.position.open' GROUP BY reference`,
      [rows.map((row) => `perp-position:${row.id}`)],
    )) as { reference: string; n: number }[];
    expect(closings.map((one) => [one.reference, one.n]).sort()).toEqual(closedRows.map((row) => [`perp-position:${row.id}`, 1]).sort());

    let movedFromUsers = 0n;
    for (const user of users) {
      const mine = rows.filter((row) => row.userId === user.id);
      const openOrders = orderRows.filter((order) => order.userId === user.id && order.status === 'open');
      const sum = (values: bigint[]) => values.reduce((total, value) => total + value, 0n);
      const held = sum(openOrders.map((order) => order.margin + order.heldFee));
      const available =
        parseUsdc(START) - sum(mine.map((row) => row.margin + row.openFee)) + sum(mine.map((row) => row.payout ?? 0n)) - held;
      const locked = sum(mine.filter((row) => row.status === 'open').map((row) => row.margin)) + held;
      const balances = (await request(live()[0].url).get('/api/v1/accounts/me').set(user.auth).expect(200)).body.balances as { asset: string; available: string; locked: string }[];
      expect({ user: user.id, ...balances.find((balance) => balance.asset === 'USDC') }).toMatchObject({ user: user.id, available: formatUsdc(available), locked: formatUsdc(locked) });
      movedFromUsers += parseUsdc(START) - available - locked;
    }
    // What left the users went to the fees and the house: open fees + close fees, and margin − payout − close fee per close.
    const system = (await db.query(
      `SELECT a.system_key AS account, sum(e.amount)::text AS moved
         FROM ledger_entries e JOIN ledger_transactions t ON t.id = e.transaction_id JOIN accounts a ON a.id = e.account_id
        WHERE a.user_id IS NULL AND t.reference = ANY($1::text[]) GROUP BY a.system_key`,
      [[...rows.map((row) => `perp-position:${row.id}`), ...orderRows.map((order) => `perp-order:${order.id}`)]],
    )) as { account: string; moved: string }[];
    const movedTo = (account: string) => BigInt(system.find((one) => one.account === account)?.moved ?? '0');
    const fees = rows.reduce((total, row) => total + row.openFee + (row.closeFee ?? 0n), 0n);
    const house = closedRows.reduce((total, row) => total + row.margin - row.payout! - row.closeFee!, 0n);
    expect({ fees: movedTo('fees'), house: movedTo('house') }).toEqual({ fees, house });
    expect(movedFromUsers).toBe(fees + house);
    expect((await reconcile({ url: live()[0].url } as RunningApp, admin)).ok).toBe(true);
  }

  /** Waits until a live server other than `dead` leads (its id on the shard's row) and returns it. */
  const takeover = (dead: Server) =>
    waitFor(
      'the takeover',
      async () => {
        const leader = await leaderOf();
        return leader && leader !== dead ? leader : null;
      },
      15_000,
      20,
    );

  async function killLeader(): Promise<Server> {
    const leader = (await leaderOf())!;
    leader.proc.child.kill('SIGKILL');
    expect((await leader.proc.exited).signal).toBe('SIGKILL');
    return leader;
  }

  /** After every fire: one more tick past the crossing price, then a user command through the leader, which commits behind it. */
  async function oneMoreBatch(): Promise<void> {
    await quote({ bid: '63400', ask: '63410' });
    const bystander = await createTestUser(helper);
    const server = live()[0];
    await request(server.url).get('/api/v1/accounts/me').set(bystander.auth).expect(200);
    await post(server, bystander, '/api/v1/trades', { symbol: BTC, side: 'long', margin: '10', leverage: 2 });
  }

  beforeAll(async () => {
    assertBuilt();
    backpack = await startScriptedBackpack();
    helper = await startTestApp({ ENGINE_ENABLED: 'false', STARTING_BALANCE: START });
    db = helper.app.get(DataSource);
    admin = await createAdmin(helper);
    // One after the other: the first runs the migrations alone.
    await boot('first');
    await boot('second');
    await waitFor('a perps leader', async () => (await leaderOf()) ?? null, 15_000);
  }, 60_000);

  afterAll(async () => {
    for (const server of live()) {
      server.proc.child.kill('SIGTERM');
      await server.proc.exited;
    }
    await helper?.close();
    await backpack?.close();
  });

  it('A: the crossing tick right after the kill; the survivor fires every trigger once', async () => {
    await quote(OPEN);
    const { users, positions, orders } = await openBook();
    expect(positions.length).toBeGreaterThanOrEqual(36);

    const dead = await killLeader();
    const survivor = live()[0];
    await quote(CROSS, () => [survivor]);
    expect(await takeover(dead)).toBe(survivor);
    await waitFor('every trigger', () => allFired(positions, orders), 15_000, 50);
    await oneMoreBatch();
    await expectExactlyOnce(users, positions, orders);
  }, 60_000);

  /** Some backend of the venue is inside the tick's transaction, past the close writes (uncommitted). */
  async function tickBatchInFlight(): Promise<boolean> {
    const rows = (await db.query(
      `SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid() AND xact_start IS NOT NULL
          AND (query LIKE 'UPDATE perp_positions AS p%' OR query LIKE 'INSERT INTO "perp_fills"%' OR query LIKE 'INSERT INTO%ledger_%')`,
    )) as { n: number }[];
    return rows[0].n > 0;
  }

  /**
   * The crossing tick reaches the leader, which is killed with SIGKILL in the middle of the tick's batch (its
   * close writes seen in an open transaction) or just after the batch committed; the survivor then loads the
   * shard and ticks on the same latest quote.
   */
  async function crashAroundTheTick(when: 'mid-batch' | 'after-commit'): Promise<void> {
    await boot(`for ${when}`);
    await quote(OPEN);
    const { users, positions, orders } = await openBook();
    const crossing = positions.filter((one) => one.expected !== 'open').map((one) => one.id);
    const closedCount = () => db.getRepository(PerpPositionEntity).count({ where: { id: In(crossing), status: 'closed' } });

    const leader = (await leaderOf())!;
    let sentAt = 0;
    let caught = false;
    await waitFor(
      `the leader ${when === 'mid-batch' ? 'inside' : 'done with'} the tick's batch`,
      async () => {
        if (when === 'mid-batch' ? (caught = await tickBatchInFlight()) : (await closedCount()) === crossing.length) return true;
        // Mid-batch was missed if the batch committed already: the after-commit case, still a valid kill.
        if (when === 'mid-batch' && (await closedCount()) > 0) return true;
        if (Date.now() - sentAt > 200) {
          backpack.send(BTC, CROSS);
          sentAt = Date.now();
        }
        return false;
      },
      15_000,
      1,
    );
    leader.proc.child.kill('SIGKILL');
    expect((await leader.proc.exited).signal).toBe('SIGKILL');
    // Before the survivor can lead (the dead leader's lease runs out first), whatever is closed was committed by
    // the dead leader; one tick is one batch, so all of it or none.
    const closedAtKill = await closedCount();
    expect([0, crossing.length]).toContain(closedAtKill);
    if (when === 'after-commit') expect(closedAtKill).toBe(crossing.length);
    if (process.env.PERPS_CRASH_REPORT) process.stdout.write(`${when}: caught in flight ${caught}; ${closedAtKill} of ${crossing.length} closed by the dead leader\n`);

    const survivor = live()[0];
    await quote(CROSS, () => [survivor]);
    expect(await takeover(leader)).toBe(survivor);
    await waitFor('every trigger', () => allFired(positions, orders), 15_000, 50);
    await oneMoreBatch();
    await expectExactlyOnce(users, positions, orders);
  }

  it('B: the leader killed in the middle of the crossing tick’s batch; the survivor fires each trigger once', () => crashAroundTheTick('mid-batch'), 60_000);

  it('C: the leader killed just after the crossing tick’s batch committed; the survivor, ticking on that quote, fires nothing again', () =>
    crashAroundTheTick('after-commit'), 60_000);
});
