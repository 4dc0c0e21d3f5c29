import request from 'supertest';
import { AccessTokenService } from '../src/auth/access-token.service';
import { UsersService } from '../src/auth/users.service';
import { formatUsdc } from '../src/common/money/usdc';
import { curveValue, dividendPartOf, reserveFor } from '../src/creators/creator-curve';
import { splitDividend } from '../src/creators/dividend-split';
import { balancesOf, createAdmin, createFundedUser, db, reconcile } from './support/ledger';
import { marketBody, units } from './support/markets';
import { closeSockets, connectSocket, eventually, nextEvent, request as ask, sleep } from './support/sockets';
import { RunningApp, startTestApp } from './support/test-app';
import { TestUser } from './support/users';

const PERIOD_SECONDS = 4;
const LOCK_SECONDS = 2;
const DIVISOR = 16_000n;

let keys = 0;
const key = () => `creators-e2e-${Date.now()}-${++keys}`;

async function available(running: RunningApp, user: TestUser): Promise<bigint> {
  return units((await balancesOf(running, user)).USDC.available);
}

async function systemBalance(running: RunningApp, system: string): Promise<bigint> {
  const [row] = await db(running).query(`SELECT coalesce(sum(available), 0)::text AS total FROM accounts WHERE system_key = $1`, [system]);
  return BigInt(row.total);
}

const reserveOf = (running: RunningApp, creatorId: string) => systemBalance(running, `creator-reserve:${creatorId}`);
const poolOf = (running: RunningApp, creatorId: string, period: Date) => systemBalance(running, `creator-dividends:${creatorId}:${Math.floor(period.getTime() / 1000)}`);

/** A fresh access token: roles travel in the token, so a user granted `creator` signs in again. */
async function refreshed(running: RunningApp, user: TestUser): Promise<TestUser> {
  const entity = await running.app.get(UsersService).getById(user.id);
  const { accessToken } = await running.app.get(AccessTokenService).issue(entity);
  return { id: user.id, token: accessToken, auth: { Authorization: `Bearer ${accessToken}` } };
}

/** Sleeps until a new dividend period has just begun, so what a test does next lands in one period. */
async function startOfNextPeriod(): Promise<Date> {
  const size = PERIOD_SECONDS * 1000;
  const next = Math.floor(Date.now() / size) * size + size;
  await sleep(next - Date.now() + 30);
  return new Date(next);
}

describe('creator shares and dividends (e2e)', () => {
  let running: RunningApp;
  let admin: TestUser;

  beforeAll(async () => {
    running = await startTestApp({
      STARTING_BALANCE: '1000',
      MARKET_FEE_BPS: '100',
      CREATOR_FEE_SHARE_BPS: '2000',
      CREATOR_SHARE_LOCK_SECONDS: String(LOCK_SECONDS),
      DIVIDEND_PERIOD_SECONDS: String(PERIOD_SECONDS),
      // Several batches even for a handful of holders.
      DIVIDEND_BATCH_SIZE: '2',
    });
    admin = await createAdmin(running);
  });

  afterAll(async () => {
    closeSockets();
    await running.close();
  });

  async function givenCreator(): Promise<TestUser> {
    const user = await createFundedUser(running);
    const granted = await request(running.url).post(`/api/v1/admin/creators/${user.id}`).set(admin.auth).set('Idempotency-Key', key()).expect(200);
    expect(granted.body).toMatchObject({ creatorId: user.id, status: 'ACTIVE', supply: 1, holders: 1, price: formatUsdc(curveValue(2n, DIVISOR) - curveValue(1n, DIVISOR)) });
    return refreshed(running, user);
  }

  const buy = (user: TestUser, creatorId: string, body: object, idempotencyKey = key()) =>
    request(running.url).post(`/api/v1/creators/${creatorId}/shares/buy`).set(user.auth).set('Idempotency-Key', idempotencyKey).send(body);
  const sell = (user: TestUser, creatorId: string, body: object) =>
    request(running.url).post(`/api/v1/creators/${creatorId}/shares/sell`).set(user.auth).set('Idempotency-Key', key()).send(body);
  const quote = (creatorId: string, side: string, shares: number) => request(running.url).get(`/api/v1/creators/${creatorId}/quote?side=${side}&shares=${shares}`);

  it('buys at the quoted price, fees rounded up on top, the reserve holding V(supply) − V(1), with creator:trade and creator:update', async () => {
    const creator = await givenCreator();
    const buyer = await createFundedUser(running);
    const socket = await connectSocket(running);
    const ack = await ask<{ ok: boolean; snapshot: { creatorId: string; supply: number } }>(socket, 'subscribe', { channel: `creator:${creator.id}` });
    expect(ack).toMatchObject({ ok: true, snapshot: { creatorId: creator.id, supply: 1 } });
    const tradeEvent = nextEvent<Record<string, unknown>>(socket, 'creator:trade');
    const updateEvent = nextEvent<Record<string, unknown>>(socket, 'creator:update');

    const quoted = (await quote(creator.id, 'buy', 3).expect(200)).body;
    const value = curveValue(4n, DIVISOR) - curveValue(1n, DIVISOR);
    const fee = (value * 500n + 9999n) / 10000n;
    expect(quoted).toMatchObject({ side: 'buy', shares: 3, supplyBefore: 1, supplyAfter: 4, value: formatUsdc(value), creatorFee: formatUsdc(fee), platformFee: formatUsdc(fee) });
    expect(quoted.total).toBe(formatUsdc(value + 2n * fee));
    const [buyerBefore, creatorBefore] = [await available(running, buyer), await available(running, creator)];

    const idempotencyKey = key();
    const filled = await buy(buyer, creator.id, { shares: 3, maxCost: quoted.total }, idempotencyKey).expect(201);
    const { tradeId, lockedUntil, ...fill } = filled.body;
    expect(fill).toEqual(quoted);
    expect(new Date(lockedUntil).getTime()).toBeGreaterThan(Date.now());
    expect(typeof tradeId).toBe('string');
    const replay = await buy(buyer, creator.id, { shares: 3, maxCost: quoted.total }, idempotencyKey).expect(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body.tradeId).toBe(tradeId);

    expect(await available(running, buyer)).toBe(buyerBefore - value - 2n * fee);
    expect(await available(running, creator)).toBe(creatorBefore + fee - dividendPartOf(fee, 5000n));
    expect(await reserveOf(running, creator.id)).toBe(reserveFor(4n, DIVISOR));
    expect(await tradeEvent).toMatchObject({ creatorId: creator.id, tradeId, side: 'buy', shares: 3, supplyAfter: 4, total: quoted.total });
    expect(await tradeEvent).not.toHaveProperty('userId');
    expect(await updateEvent).toMatchObject({ creatorId: creator.id, supply: 4, holders: 2 });

    const detail = (await request(running.url).get(`/api/v1/creators/${creator.id}`).expect(200)).body;
    expect(detail).toMatchObject({ supply: 4, holders: 2, volume: formatUsdc(value), volume24h: formatUsdc(value), tradeCount: 1, markets: [] });
    const holders = (await request(running.url).get(`/api/v1/creators/${creator.id}/holders`).expect(200)).body;
    expect(holders.data.map((holder: { userId: string; shares: number }) => [holder.userId, holder.shares])).toEqual([
      [buyer.id, 3],
      [creator.id, 1],
    ]);
  });

  it('refuses a sell before the lock ends and sells the oldest lots once it has, at the quote', async () => {
    const creator = await givenCreator();
    const trader = await createFundedUser(running);
    await buy(trader, creator.id, { shares: 2 }).expect(201);
    const before = await available(running, trader);

    const locked = await sell(trader, creator.id, { shares: 1 }).expect(422);
    expect(locked.body).toMatchObject({ error: 'SharesLocked', details: { shares: '1', unlocked: '0' } });
    expect(await available(running, trader)).toBe(before);
    await buy(trader, creator.id, { shares: 1 }).expect(201);
    const afterSecondBuy = await available(running, trader);

    await sleep(LOCK_SECONDS * 1000 + 100);
    const mine = (await request(running.url).get('/api/v1/me/creator-shares').set(trader.auth).expect(200)).body;
    expect(mine.data[0]).toMatchObject({ creatorId: creator.id, shares: 3, unlockedShares: 3 });
    expect(mine.data[0].lots.map((lot: { remaining: number }) => lot.remaining)).toEqual([2, 1]);

    const quoted = (await request(running.url).get(`/api/v1/creators/${creator.id}/quote?side=sell&shares=2`).set(trader.auth).expect(200)).body;
    const sold = await sell(trader, creator.id, { shares: 2, minProceeds: quoted.total }).expect(201);
    expect({ ...sold.body, tradeId: undefined }).toEqual({ ...quoted, tradeId: undefined });
    const value = curveValue(4n, DIVISOR) - curveValue(2n, DIVISOR);
    const fee = (value * 500n + 9999n) / 10000n;
    expect(sold.body.total).toBe(formatUsdc(value - 2n * fee));
    expect(await available(running, trader)).toBe(afterSecondBuy + value - 2n * fee);
    expect(await reserveOf(running, creator.id)).toBe(reserveFor(2n, DIVISOR));
    const lots = (await request(running.url).get('/api/v1/me/creator-shares').set(trader.auth).expect(200)).body.data[0].lots;
    // The first lot (2 shares) was sold; the later one is left.
    expect(lots.map((lot: { shares: number; remaining: number }) => [lot.shares, lot.remaining])).toEqual([[1, 1]]);

    // The creator's own share 1 is never for sale.
    expect((await sell(creator, creator.id, { shares: 1 }).expect(422)).body.error).toBe('InsufficientShares');
  });

  it('refuses a fill beyond maxCost or minProceeds with 422 PriceMovedBeyondSlippage, moving nothing', async () => {
    const creator = await givenCreator();
    const trader = await createFundedUser(running);
    await buy(trader, creator.id, { shares: 5 }).expect(201);
    const quoted = (await quote(creator.id, 'buy', 2).expect(200)).body;
    const before = { balance: await available(running, trader), reserve: await reserveOf(running, creator.id), creator: await available(running, creator) };

    const tooDear = await buy(trader, creator.id, { shares: 2, maxCost: formatUsdc(units(quoted.total) - 1n) }).expect(422);
    expect(tooDear.body).toMatchObject({ error: 'PriceMovedBeyondSlippage', details: { cost: quoted.total } });
    await sleep(LOCK_SECONDS * 1000 + 100);
    const sellQuote = (await quote(creator.id, 'sell', 2).expect(200)).body;
    const tooCheap = await sell(trader, creator.id, { shares: 2, minProceeds: formatUsdc(units(sellQuote.total) + 1n) }).expect(422);
    expect(tooCheap.body.error).toBe('PriceMovedBeyondSlippage');

    expect(await available(running, trader)).toBe(before.balance);
    expect(await available(running, creator)).toBe(before.creator);
    expect(await reserveOf(running, creator.id)).toBe(before.reserve);
    expect((await request(running.url).get(`/api/v1/creators/${creator.id}`).expect(200)).body).toMatchObject({ supply: 6, tradeCount: 1 });
  });

  it('stops buying when the role is revoked; holders can still sell', async () => {
    const creator = await givenCreator();
    const holder = await createFundedUser(running);
    await buy(holder, creator.id, { shares: 2 }).expect(201);
    const revoked = await request(running.url).delete(`/api/v1/admin/creators/${creator.id}`).set(admin.auth).set('Idempotency-Key', key()).expect(200);
    expect(revoked.body.status).toBe('REVOKED');
    expect((await buy(holder, creator.id, { shares: 1 }).expect(422)).body.error).toBe('CreatorNotTrading');
    await sleep(LOCK_SECONDS * 1000 + 100);
    await sell(holder, creator.id, { shares: 2 }).expect(201);
    expect((await request(running.url).get(`/api/v1/creators/${creator.id}`).expect(200)).body).toMatchObject({ supply: 1, holders: 1, status: 'REVOKED' });
    const user = await running.app.get(UsersService).getById(creator.id);
    expect(user.roles).not.toContain('creator');

    // Both admin actions audited once each in their own transaction, with roles and share market before and after.
    const trail = (await request(running.url).get('/api/v1/admin/audit').query({ target: creator.id }).set(admin.auth).expect(200)).body.data;
    expect(trail.map((row: { action: string }) => row.action)).toEqual(['creator.revoke', 'creator.grant']);
    expect(trail[0]).toMatchObject({
      actorId: admin.id,
      targetType: 'user',
      before: { roles: expect.arrayContaining(['creator']), shareMarket: { status: 'ACTIVE' } },
      after: { shareMarket: { status: 'REVOKED' } },
    });
    expect(trail[0].after.roles).not.toContain('creator');
    expect(trail[1]).toMatchObject({ before: { shareMarket: null }, after: { roles: expect.arrayContaining(['creator']), shareMarket: { status: 'ACTIVE', supply: 1 } } });
    expect(trail[1].before.roles).not.toContain('creator');
  });

  it('opens and closes the share market when the role changes through the admin users route', async () => {
    const user = await createFundedUser(running);
    await request(running.url).post(`/api/v1/admin/users/${user.id}/roles`).set(admin.auth).send({ roles: ['creator'] }).expect(200);
    await eventually(async () => expect((await request(running.url).get(`/api/v1/creators/${user.id}`)).body).toMatchObject({ status: 'ACTIVE', supply: 1 }));
    await request(running.url).post(`/api/v1/admin/users/${user.id}/roles`).set(admin.auth).send({ roles: [] }).expect(200);
    await eventually(async () => expect((await request(running.url).get(`/api/v1/creators/${user.id}`)).body).toMatchObject({ status: 'REVOKED' }));
    // A user who never was a creator: 404, and their roles stay as they were.
    const other = await createFundedUser(running);
    expect((await request(running.url).delete(`/api/v1/admin/creators/${other.id}`).set(admin.auth).set('Idempotency-Key', key()).expect(404)).body.error).toBe('CreatorNotFound');
    expect((await request(running.url).get('/api/v1/admin/audit').query({ target: other.id }).set(admin.auth).expect(200)).body.data).toEqual([]);
  });

  it('feeds a creator’s market fees and share fees into the period’s pool and pays it exactly to the holders of record; a rerun pays nothing', async () => {
    const period = await startOfNextPeriod();
    const creator = await givenCreator();
    const [alice, bob, trader] = [await createFundedUser(running), await createFundedUser(running), await createFundedUser(running)];
    const aliceFill = (await buy(alice, creator.id, { shares: 7 }).expect(201)).body;
    const bobFill = (await buy(bob, creator.id, { shares: 2 }).expect(201)).body;
    const market = (await request(running.url).post('/api/v1/markets').set(creator.auth).set('Idempotency-Key', key()).send(marketBody({ subsidy: '20' })).expect(201)).body;
    const creatorBefore = await available(running, creator);
    const marketFill = (await request(running.url).post(`/api/v1/markets/${market.id}/buy`).set(trader.auth).set('Idempotency-Key', key()).send({ outcome: 'Yes', amount: '50' }).expect(201)).body;
    expect(Date.now()).toBeLessThan(period.getTime() + PERIOD_SECONDS * 1000 - 200);

    // The market's creator fee share: 20% of the 1% fee; half of it to the pool (rounded down), the rest to the creator.
    const marketCreatorFee = (units(marketFill.fee) * 2000n) / 10000n;
    const marketPoolPart = dividendPartOf(marketCreatorFee, 5000n);
    expect(await available(running, creator)).toBe(creatorBefore + marketCreatorFee - marketPoolPart);
    const pool = units(aliceFill.dividendFee) + units(bobFill.dividendFee) + marketPoolPart;
    expect(await poolOf(running, creator.id, period)).toBe(pool);
    expect((await request(running.url).get(`/api/v1/creators/${creator.id}`).expect(200)).body).toMatchObject({ pendingDividends: formatUsdc(pool), markets: [{ id: market.id }] });

    // Too early: the period has not ended.
    expect((await request(running.url).post('/api/v1/admin/dividends/run').set(admin.auth).set('Idempotency-Key', key()).send({ period: period.toISOString() }).expect(422)).body.error).toBe('PeriodNotEnded');
    await sleep(period.getTime() + PERIOD_SECONDS * 1000 - Date.now() + 50);
    // After the period's end: not of record, and its fees go to the next period.
    await buy(bob, creator.id, { shares: 4 }).expect(201);
    expect(await poolOf(running, creator.id, period)).toBe(pool);

    const before = new Map<string, bigint>();
    for (const user of [creator, alice, bob]) before.set(user.id, await available(running, user));
    const run = await request(running.url).post('/api/v1/admin/dividends/run').set(admin.auth).set('Idempotency-Key', key()).send({ period: period.toISOString() }).expect(202);
    expect(run.body.period).toBe(period.toISOString());
    const finished = await waitForPeriod(period);
    expect(finished.dividends.find((dividend: { creatorId: string }) => dividend.creatorId === creator.id)).toMatchObject({ amount: formatUsdc(pool), totalShares: 10, holders: 3 });

    const expected = splitDividend(pool, [
      { userId: creator.id, shares: 1n },
      { userId: alice.id, shares: 7n },
      { userId: bob.id, shares: 2n },
    ]);
    for (const part of expected) {
      const user = [creator, alice, bob].find((candidate) => candidate.id === part.userId)!;
      expect(await available(running, user)).toBe(before.get(user.id)! + part.amount);
      const mine = (await request(running.url).get('/api/v1/dividends/me').set(user.auth).expect(200)).body.data;
      expect(mine).toEqual([{ creatorId: creator.id, period: period.toISOString(), shares: Number(part.shares), amount: formatUsdc(part.amount), paid: true, paidAt: expect.any(String) }]);
    }
    expect(await poolOf(running, creator.id, period)).toBe(0n);
    expect((await request(running.url).get(`/api/v1/creators/${creator.id}`).expect(200)).body.dividendsPaid).toBe(formatUsdc(pool));
    expect((await request(running.url).get(`/api/v1/creators/${creator.id}/dividends`).expect(200)).body.data).toEqual([
      { creatorId: creator.id, period: period.toISOString(), amount: formatUsdc(pool), totalShares: 10, holders: 3, paidAt: expect.any(String) },
    ]);

    // A rerun, through the admin route and straight through the job's service: nobody is paid twice.
    const postings = await dividendPostings(creator.id);
    await request(running.url).post('/api/v1/admin/dividends/run').set(admin.auth).set('Idempotency-Key', key()).send({ period: period.toISOString().slice(0, 19) + 'Z' }).expect(202);
    await waitForPeriod(period);
    await sleep(300);
    for (const user of [creator, alice, bob]) {
      const part = expected.find((candidate) => candidate.userId === user.id)!;
      expect(await available(running, user)).toBe(before.get(user.id)! + part.amount);
    }
    expect(await dividendPostings(creator.id)).toBe(postings);
    expect(postings).toBe(2); // 3 holders in batches of 2
  });

  it('joins the ledger reconciliation: every reserve holds V(supply) − V(1) and every dividend pool what it still owes', async () => {
    const report = await reconcile(running, admin);
    const checks = (report as unknown as { checks: { name: string; ok: boolean; details: { creatorsChecked?: number } }[] }).checks;
    expect(checks.find((check) => check.name === 'creatorReserves')).toMatchObject({ ok: true, details: { creatorsChecked: expect.any(Number) } });
    expect(checks.find((check) => check.name === 'creatorDividends')).toMatchObject({ ok: true });
    expect(report.ok).toBe(true);
    const creators = (await db(running).query(`SELECT creator_id, supply FROM creator_share_markets`)) as { creator_id: string; supply: string }[];
    expect(creators.length).toBeGreaterThanOrEqual(5);
    for (const row of creators) expect(await reserveOf(running, row.creator_id)).toBe(reserveFor(BigInt(row.supply), DIVISOR));
  });

  async function waitForPeriod(period: Date) {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const body = (await request(running.url).get(`/api/v1/admin/dividends?period=${encodeURIComponent(period.toISOString())}`).set(admin.auth).expect(200)).body;
      if (body.status === 'finished') return body;
      if (Date.now() > deadline) throw new Error(`dividends of ${period.toISOString()} not finished: ${JSON.stringify(body)}`);
      await sleep(100);
    }
  }

  async function dividendPostings(creatorId: string): Promise<number> {
    const [row] = await db(running).query(`SELECT count(*)::int AS n FROM ledger_transactions WHERE kind = 'creator.dividend' AND reference = $1`, [`creator:${creatorId}`]);
    return row.n as number;
  }
});
