import { getQueueToken } from '@nestjs/bullmq';
import { Queue } from 'bullmq';
import request from 'supertest';
import { MarketCloseProcessor, MarketLifecycleSweep, MarketResolutionProcessor } from '../src/markets/market-lifecycle.processors';
import { closeJobId, MARKET_CLOSE_QUEUE, MARKET_RESOLUTION_QUEUE, settlementJobId } from '../src/markets/market-jobs';
import { MarketSettlementService } from '../src/markets/market-settlement.service';
import { MarketsService } from '../src/markets/markets.service';
import { RunningApp, startTestApp } from './support/test-app';
import { balancesOf, createAdmin, createFundedUser, db, reconcile } from './support/ledger';
import { createHouseMarket, marketBody, marketOf, units, waitForMarket } from './support/markets';
import { closeSockets, connectSocket, nextEvent, request as ask } from './support/sockets';
import { createTestUser, TestUser } from './support/users';

const STARTING = units('1000');

/** Minor units → the API's 6-decimal string. */
function formatShares(minor: string): string {
  return `${minor.slice(0, -6) || '0'}.${minor.slice(-6).padStart(6, '0')}`;
}

async function available(running: RunningApp, user: TestUser): Promise<bigint> {
  return units((await balancesOf(running, user)).USDC.available);
}

async function systemBalance(running: RunningApp, key: string): Promise<bigint> {
  const [row] = await db(running).query(`SELECT coalesce(sum(available), 0)::text AS total FROM accounts WHERE system_key = $1`, [key]);
  return BigInt(row.total);
}

/** How many `market.payout` entries of this market credited the user. */
async function payoutsTo(running: RunningApp, marketId: string, user: TestUser): Promise<number> {
  const [row] = await db(running).query(
    `SELECT count(*)::int AS n FROM ledger_entries e JOIN ledger_transactions t ON t.id = e.transaction_id JOIN accounts a ON a.id = e.account_id
      WHERE t.kind = 'market.payout' AND t.reference = $1 AND a.user_id = $2`,
    [`market:${marketId}`, user.id],
  );
  return row.n as number;
}

/** Polls until the job with this id is in the failed state (it exhausted its attempts). */
async function waitForFailedJob(queue: Queue, jobId: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await queue.getJob(jobId);
    if (job && (await job.isFailed())) return;
    if (Date.now() > deadline) throw new Error(`job ${jobId} did not fail in time (state: ${job ? await job.getState() : 'none'})`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function poolCheck(running: RunningApp, admin: TestUser) {
  return (await request(running.url).get('/api/v1/admin/markets/pool-check').set(admin.auth).expect(200)).body;
}

describe('prediction markets (e2e)', () => {
  let running: RunningApp;
  let admin: TestUser;

  beforeAll(async () => {
    running = await startTestApp({ STARTING_BALANCE: '1000', MARKET_FEE_BPS: '100', CREATOR_FEE_SHARE_BPS: '2000', MARKET_SETTLEMENT_BATCH_SIZE: '2',
      // Lifecycle jobs give up fast, so a test can exhaust their attempts.
      MARKET_JOB_ATTEMPTS: '2',
      MARKET_JOB_BACKOFF_MS: '20',
    });
    admin = await createAdmin(running);
  });

  afterAll(async () => {
    closeSockets();
    await running.close();
  });

  it('lets a creator open a market funded from their balance, an admin one funded by the house, and nobody else', async () => {
    const creator = await createTestUser(running, { roles: ['user', 'creator'] });
    await request(running.url).get('/api/v1/accounts/me').set(creator.auth).expect(200);
    const houseBefore = await systemBalance(running, 'house');

    const body = marketBody({ outcomes: ['Red', 'Green', 'Blue'], subsidy: '50', initialProbabilities: ['0.5', '0.3', '0.2'], tickSize: '0.005' });
    const created = await request(running.url).post('/api/v1/markets').set(creator.auth).send(body).expect(201);
    expect(created.body).toMatchObject({
      question: body.question,
      category: 'tests',
      status: 'OPEN',
      closesAt: body.closesAt,
      resolvedOutcome: null,
      volume: '0.000000',
      subsidy: '50.000000',
      feeBps: 100,
      tickSize: '0.005000',
      creatorId: creator.id,
    });
    expect(created.body.outcomes.map((o: { label: string }) => o.label)).toEqual(['Red', 'Green', 'Blue']);
    expect(created.body.outcomes.map((o: { price: string }) => Number(o.price))).toEqual([
      expect.closeTo(0.5, 3),
      expect.closeTo(0.3, 3),
      expect.closeTo(0.2, 3),
    ]);
    expect(await available(running, creator)).toBe(STARTING - units('50'));
    expect(await systemBalance(running, `market-pool:${created.body.id}`)).toBe(units('50'));

    const plainUser = await createFundedUser(running);
    await request(running.url).post('/api/v1/markets').set(plainUser.auth).send(marketBody()).expect(403);
    await request(running.url).post('/api/v1/admin/markets').set(plainUser.auth).send(marketBody()).expect(403);

    const house = await createHouseMarket(running, admin, { subsidy: '200' });
    // Without a tickSize a market gets the default tick of 0.01, and shows it when read back.
    expect(house.tickSize).toBe('0.010000');
    expect((await request(running.url).get(`/api/v1/markets/${created.body.id}`).expect(200)).body.tickSize).toBe('0.005000');
    expect(await systemBalance(running, 'house')).toBe(houseBefore - units('200'));
    expect(await systemBalance(running, `market-pool:${house.id}`)).toBe(units('200'));

    const poor = await createTestUser(running, { roles: ['user', 'creator'] });
    const refused = await request(running.url).post('/api/v1/markets').set(poor.auth).send(marketBody({ subsidy: '5000' })).expect(422);
    expect(refused.body.error).toBe('InsufficientFunds');
  });

  it.each([
    ['one outcome', { outcomes: ['Yes'] }, 'outcomes'],
    ['21 outcomes', { outcomes: Array.from({ length: 21 }, (_, i) => `O${i}`) }, 'outcomes'],
    ['duplicate labels', { outcomes: ['Yes', 'yes'] }, 'outcomes'],
    ['closesAt in the past', { closesAt: new Date(Date.now() - 1000).toISOString() }, 'closesAt'],
    ['closesAt not a date', { closesAt: 'tomorrow' }, 'closesAt'],
    ['zero subsidy', { subsidy: '0' }, 'subsidy'],
    ['subsidy with 7 decimals', { subsidy: '1.0000001' }, 'subsidy'],
    ['missing question', { question: undefined }, 'question'],
    ['an unsupported tickSize', { tickSize: '0.02' }, 'tickSize'],
    ['a tickSize finer than 0.0001', { tickSize: '0.00001' }, 'tickSize'],
    ['a tickSize that is not a decimal string', { tickSize: 0.01 }, 'tickSize'],
  ])('refuses a market with %s as a 400 naming the field, moving nothing', async (_name, change, field) => {
    const houseBefore = await systemBalance(running, 'house');
    const response = await request(running.url)
      .post('/api/v1/admin/markets')
      .set(admin.auth)
      .send({ ...marketBody(), ...change })
      .expect(400);
    expect(response.body.error).toBe('ValidationFailed');
    expect(response.body.details.map((detail: { field: string }) => detail.field)).toContain(field);
    expect(await systemBalance(running, 'house')).toBe(houseBefore);
  });

  it('refuses initial probabilities that do not sum to 1 as InvalidMarketParameters', async () => {
    const response = await request(running.url)
      .post('/api/v1/admin/markets')
      .set(admin.auth)
      .send(marketBody({ initialProbabilities: ['0.5', '0.6'] }))
      .expect(400);
    expect(response.body.error).toBe('InvalidMarketParameters');
  });

  it('trades from several users: quotes equal the trades that follow, balances and pool are exact, bad trades move nothing', async () => {
    const market = await createHouseMarket(running, admin, { subsidy: '100' });
    const [alice, bob] = [await createFundedUser(running), await createFundedUser(running)];
    const feesBefore = await systemBalance(running, 'fees');

    const quote = await request(running.url).get(`/api/v1/markets/${market.id}/quote?outcome=Yes&side=buy&amount=10`).expect(200);
    const bought = await request(running.url).post(`/api/v1/markets/${market.id}/buy`).set(alice.auth).send({ outcome: 'yes', amount: '10' }).expect(201);
    expect(bought.body).toEqual({ tradeId: expect.any(String), ...quote.body });
    expect(bought.body).toMatchObject({ outcome: 0, side: 'buy', amount: '10.000000', fee: '0.100000' });
    expect(units(bought.body.shares)).toBeGreaterThan(units('10'));
    expect(Number(bought.body.prices[0])).toBeGreaterThan(0.5);

    const bobQuote = await request(running.url).get(`/api/v1/markets/${market.id}/quote?outcome=1&side=buy&amount=25.5`).expect(200);
    const bobBought = await request(running.url).post(`/api/v1/markets/${market.id}/buy`).set(bob.auth).send({ outcome: 1, amount: '25.5' }).expect(201);
    expect(bobBought.body).toEqual({ tradeId: expect.any(String), ...bobQuote.body });

    const half = (units(bought.body.shares) / 2n).toString();
    const sellShares = `${half.slice(0, -6) || '0'}.${half.slice(-6).padStart(6, '0')}`;
    const sellQuote = await request(running.url).get(`/api/v1/markets/${market.id}/quote?outcome=Yes&side=sell&shares=${sellShares}`).expect(200);
    const sold = await request(running.url).post(`/api/v1/markets/${market.id}/sell`).set(alice.auth).send({ outcome: 'Yes', shares: sellShares }).expect(201);
    expect(sold.body).toEqual({ tradeId: expect.any(String), ...sellQuote.body });
    // A sell names what it receives as minProceeds does: proceeds, equal to amount (kept for existing clients).
    expect(sellQuote.body.proceeds).toBe(sellQuote.body.amount);
    expect(sold.body).toMatchObject({ side: 'sell', proceeds: sold.body.amount });
    expect(bought.body).not.toHaveProperty('proceeds');

    expect(await available(running, alice)).toBe(STARTING - units('10') + units(sold.body.amount));
    expect(await available(running, bob)).toBe(STARTING - units('25.5'));
    const fees = units(bought.body.fee) + units(bobBought.body.fee) + units(sold.body.fee);
    expect(await systemBalance(running, 'fees')).toBe(feesBefore + fees);
    const grossSold = units(sold.body.amount) + units(sold.body.fee);
    expect(await systemBalance(running, `market-pool:${market.id}`)).toBe(
      units('100') + units('10') - units(bought.body.fee) + units('25.5') - units(bobBought.body.fee) - grossSold,
    );

    // Each rule's refusal (slippage, unknown outcome, holdings, funds, size) is a scenario in test/medium/markets.medium-spec.ts;
    // here, what reaches a client: validation answers 400/404 and nothing moves.
    const aliceBefore = await available(running, alice);
    const tradesBefore = (await request(running.url).get(`/api/v1/markets/${market.id}/trades`).expect(200)).body.meta.total;
    await request(running.url).post(`/api/v1/markets/${market.id}/buy`).set(alice.auth).send({ outcome: 'Yes', amount: '-1' }).expect(400);
    await request(running.url).post(`/api/v1/markets/${market.id}/buy`).set(alice.auth).send({ outcome: 'Yes', amount: '0.0000001' }).expect(400);
    await request(running.url).post(`/api/v1/markets/${market.id}/buy`).set(alice.auth).send({ amount: '1' }).expect(400);
    const huge = '1'.repeat(40);
    expect((await request(running.url).get(`/api/v1/markets/${market.id}/quote?outcome=Yes&side=sell&shares=${huge}`).expect(422)).body.error).toBe('TradeTooLarge');
    await request(running.url).post(`/api/v1/markets/${market.id}/sell`).set(alice.auth).send({ outcome: 'Yes', shares: '9'.repeat(80) }).expect(400);
    await request(running.url).post(`/api/v1/markets/not-a-market/buy`).set(alice.auth).send({ outcome: 'Yes', amount: '1' }).expect(404);
    await request(running.url).get(`/api/v1/markets/${market.id}/quote?outcome=Yes&side=buy`).expect(400);
    await request(running.url).get(`/api/v1/markets/${market.id}/quote?outcome=Yes&side=hold&amount=1`).expect(400);
    expect(await available(running, alice)).toBe(aliceBefore);
    expect((await request(running.url).get(`/api/v1/markets/${market.id}/trades`).expect(200)).body.meta.total).toBe(tradesBefore);

    // An Idempotency-Key retry returns the first fill and trades once.
    const first = await request(running.url)
      .post(`/api/v1/markets/${market.id}/buy`)
      .set({ ...bob.auth, 'Idempotency-Key': `bob-buy-${market.id}` })
      .send({ outcome: 'No', amount: '1' })
      .expect(201);
    const again = await request(running.url)
      .post(`/api/v1/markets/${market.id}/buy`)
      .set({ ...bob.auth, 'Idempotency-Key': `bob-buy-${market.id}` })
      .send({ outcome: 'No', amount: '1' })
      .expect(201);
    expect(again.body).toEqual(first.body);
    expect(await available(running, bob)).toBe(STARTING - units('26.5'));

    // Reads: detail, trades, history, positions and the cached list all show the new state.
    const detail = await marketOf(running, market.id);
    expect(detail.outcomes.map((o: { price: string }) => o.price)).toEqual(first.body.prices);
    expect(units(detail.volume)).toBe(units('10') + units('25.5') + grossSold + units('1'));
    const trades = await request(running.url).get(`/api/v1/markets/${market.id}/trades?limit=2`).expect(200);
    expect(trades.body.meta).toMatchObject({ total: 4, limit: 2, hasNext: true });
    expect(trades.body.data[0]).toMatchObject({ id: first.body.tradeId, side: 'buy', outcome: 1, amount: '1.000000', prices: first.body.prices });
    expect(trades.body.data[1]).toMatchObject({ id: sold.body.tradeId, side: 'sell', amount: sold.body.amount, proceeds: sold.body.amount });
    for (const interval of ['1m', '1h', '1d']) {
      const history = await request(running.url).get(`/api/v1/markets/${market.id}/history?interval=${interval}`).expect(200);
      expect(history.body.interval).toBe(interval);
      expect(history.body.points.at(-1).prices).toEqual(first.body.prices);
    }
    await request(running.url).get(`/api/v1/markets/${market.id}/history?interval=5m`).expect(400);
    const positions = await request(running.url).get('/api/v1/markets/me/positions').set(alice.auth).expect(200);
    expect(positions.body.data).toEqual([
      expect.objectContaining({
        marketId: market.id,
        status: 'OPEN',
        paid: '10.000000',
        received: sold.body.amount,
        outcomes: [
          expect.objectContaining({ index: 0, label: 'Yes', shares: expect.any(String) }),
          expect.objectContaining({ index: 1, label: 'No', shares: '0.000000', costBasis: '0.000000' }),
        ],
      }),
    ]);
    const position = positions.body.data[0];
    expect(units(position.unrealizedPnl)).toBe(units(position.currentValue) - units(position.costBasis));
    const list = await request(running.url).get(`/api/v1/markets?category=tests&q=${encodeURIComponent(market.question as string)}`).expect(200);
    expect(list.body.data).toEqual([detail]);
    await request(running.url).get('/api/v1/markets?sort=price').expect(400);
    expect((await poolCheck(running, admin)).ok).toBe(true);
  });

  it('keeps the market list cached and drops it on every change', async () => {
    const category = `cache-${Date.now()}`;
    const market = await createHouseMarket(running, admin, { category });
    const user = await createFundedUser(running);
    const before = await request(running.url).get(`/api/v1/markets?category=${category}`).expect(200);
    const keys = await db(running).query(`SELECT 1`); // the cache lives in Redis; prove it by a write the list must reflect
    expect(keys).toHaveLength(1);
    await request(running.url).post(`/api/v1/markets/${market.id}/buy`).set(user.auth).send({ outcome: 'Yes', amount: '5' }).expect(201);
    const after = await request(running.url).get(`/api/v1/markets?category=${category}`).expect(200);
    expect(after.body.data[0].outcomes[0].price).not.toBe(before.body.data[0].outcomes[0].price);
    expect(after.body.data[0].volume).toBe('5.000000');
  });

  it('ends 50 parallel buys on one market consistent', async () => {
    const market = await createHouseMarket(running, admin, { subsidy: '100' });
    const users = await Promise.all(Array.from({ length: 50 }, () => createFundedUser(running)));
    const responses = await Promise.all(
      users.map((user, i) => request(running.url).post(`/api/v1/markets/${market.id}/buy`).set(user.auth).send({ outcome: i % 3 === 0 ? 'No' : 'Yes', amount: '2' })),
    );
    expect(responses.map((response) => response.status)).toEqual(new Array(50).fill(201));
    const shares = [0n, 0n];
    let fees = 0n;
    for (const response of responses) {
      shares[response.body.outcome] += units(response.body.shares);
      fees += units(response.body.fee);
    }
    const [row] = await db(running).query(`SELECT outstanding_shares, trade_count, volume FROM markets WHERE id = $1`, [market.id]);
    expect(row.outstanding_shares.map(BigInt)).toEqual(shares);
    expect(row.trade_count).toBe(50);
    expect(BigInt(row.volume)).toBe(units('100'));
    expect(await systemBalance(running, `market-pool:${market.id}`)).toBe(units('100') + units('100') - fees);
    const positions = await db(running).query(`SELECT user_id, shares FROM market_positions WHERE market_id = $1`, [market.id]);
    expect(positions).toHaveLength(50);
    for (const user of users) expect(await available(running, user)).toBe(STARTING - units('2'));
    expect((await poolCheck(running, admin)).ok).toBe(true);
    expect((await reconcile(running, admin)).ok).toBe(true);
  });

  it("reads one trader's position after the market lock: parallel trades by one user add up and never oversell", async () => {
    const market = await createHouseMarket(running, admin, { subsidy: '100' });
    const user = await createFundedUser(running);
    const buys = await Promise.all(
      Array.from({ length: 20 }, (_, i) => request(running.url).post(`/api/v1/markets/${market.id}/buy`).set(user.auth).send({ outcome: i % 2, amount: '1' })),
    );
    expect(buys.map((response) => response.status)).toEqual(new Array(20).fill(201));
    const bought = [0n, 0n];
    for (const response of buys) bought[response.body.outcome] += units(response.body.shares);
    const [position] = await db(running).query(`SELECT shares, paid FROM market_positions WHERE market_id = $1 AND user_id = $2`, [market.id, user.id]);
    expect(position.shares.map(BigInt)).toEqual(bought);
    expect(BigInt(position.paid)).toBe(units('20'));

    // Each sell is more than half of what is held: only one of three parallel sells can fill.
    const more = (bought[0] / 2n + 1n).toString();
    const sells = await Promise.all(
      [0, 1, 2].map(() => request(running.url).post(`/api/v1/markets/${market.id}/sell`).set(user.auth).send({ outcome: 0, shares: formatShares(more) })),
    );
    expect(sells.map((response) => response.status).sort()).toEqual([201, 422, 422]);
    expect(sells.filter((response) => response.status === 422).map((response) => response.body.error)).toEqual(['InsufficientShares', 'InsufficientShares']);
    const [after] = await db(running).query(`SELECT shares FROM market_positions WHERE market_id = $1 AND user_id = $2`, [market.id, user.id]);
    expect(BigInt(after.shares[0])).toBe(bought[0] - BigInt(more));
    expect((await poolCheck(running, admin)).ok).toBe(true);
    expect((await reconcile(running, admin)).ok).toBe(true);
  });

  it('closes on time through the delayed job, refuses trades once closesAt passed even before the job, and only lets admins extend it', async () => {
    const user = await createFundedUser(running);
    const soon = await createHouseMarket(running, admin, { closesAt: new Date(Date.now() + 1500).toISOString() });
    await request(running.url).post(`/api/v1/markets/${soon.id}/buy`).set(user.auth).send({ outcome: 'Yes', amount: '1' }).expect(201);
    const closed = await waitForMarket(running, soon.id, (market) => market.status === 'CLOSED', 8000);
    expect(new Date(closed.closesAt as string).getTime()).toBeLessThanOrEqual(Date.now());
    const refused = await request(running.url).post(`/api/v1/markets/${soon.id}/buy`).set(user.auth).send({ outcome: 'Yes', amount: '1' }).expect(422);
    expect(refused.body.error).toBe('MarketClosed');
    await request(running.url).get(`/api/v1/markets/${soon.id}/quote?outcome=Yes&side=buy&amount=1`).expect(422);

    // closesAt passed but the job has not run yet: still refused.
    const late = await createHouseMarket(running, admin);
    await db(running).query(`UPDATE markets SET closes_at = now() - interval '1 second' WHERE id = $1`, [late.id]);
    expect((await request(running.url).post(`/api/v1/markets/${late.id}/buy`).set(user.auth).send({ outcome: 'No', amount: '1' }).expect(422)).body.error).toBe(
      'MarketClosed',
    );
    expect((await marketOf(running, late.id)).status).toBe('OPEN');
    // Nor can an admin extend it to reopen trading: it is due to close.
    const reopen = await request(running.url)
      .patch(`/api/v1/admin/markets/${late.id}`)
      .set(admin.auth)
      .send({ closesAt: new Date(Date.now() + 3600_000).toISOString() })
      .expect(409);
    expect(reopen.body).toMatchObject({ error: 'InvalidMarketTransition', message: expect.stringContaining('can no longer change') });
    expect(new Date((await marketOf(running, late.id)).closesAt as string).getTime()).toBeLessThanOrEqual(Date.now());
    await request(running.url).post(`/api/v1/markets/${late.id}/buy`).set(user.auth).send({ outcome: 'No', amount: '1' }).expect(422);
    // The minute sweep enqueues the close job the market missed.
    const swept = await running.app.get(MarketLifecycleSweep).sweep();
    expect(swept.closing).toBeGreaterThanOrEqual(1);
    await waitForMarket(running, late.id, (market) => market.status === 'CLOSED');

    // Extending moves the close job: the old time passes and the market stays open.
    const extended = await createHouseMarket(running, admin, { closesAt: new Date(Date.now() + 1000).toISOString() });
    const newCloseAt = new Date(Date.now() + 3600_000).toISOString();
    await request(running.url).patch(`/api/v1/admin/markets/${extended.id}`).set(user.auth).send({ closesAt: newCloseAt }).expect(403);
    const patched = await request(running.url)
      .patch(`/api/v1/admin/markets/${extended.id}`)
      .set(admin.auth)
      .send({ closesAt: newCloseAt, question: 'Will the extended market stay open?', category: 'tests-extended' })
      .expect(200);
    expect(patched.body).toMatchObject({ closesAt: newCloseAt, question: 'Will the extended market stay open?', category: 'tests-extended', status: 'OPEN' });
    await request(running.url)
      .patch(`/api/v1/admin/markets/${extended.id}`)
      .set(admin.auth)
      .send({ closesAt: new Date(Date.now() + 60_000).toISOString() })
      .expect(400);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await expect(running.app.get(MarketCloseProcessor).process({ data: { marketId: extended.id } } as never)).resolves.toEqual({ closed: false });
    expect((await marketOf(running, extended.id)).status).toBe('OPEN');
    await request(running.url).post(`/api/v1/markets/${extended.id}/buy`).set(user.auth).send({ outcome: 'Yes', amount: '1' }).expect(201);
  });

  it('resolves through the market-resolution job: winners paid 1 USDC a share, the rest back to the creator, pool at zero', async () => {
    const creator = await createTestUser(running, { roles: ['user', 'creator'] });
    await request(running.url).get('/api/v1/accounts/me').set(creator.auth).expect(200);
    const market = (await request(running.url).post('/api/v1/markets').set(creator.auth).send(marketBody({ subsidy: '40' })).expect(201)).body;
    const traders = [await createFundedUser(running), await createFundedUser(running), await createFundedUser(running)];
    const fills = [
      (await request(running.url).post(`/api/v1/markets/${market.id}/buy`).set(traders[0].auth).send({ outcome: 'Yes', amount: '30' }).expect(201)).body,
      (await request(running.url).post(`/api/v1/markets/${market.id}/buy`).set(traders[1].auth).send({ outcome: 'No', amount: '20' }).expect(201)).body,
      (await request(running.url).post(`/api/v1/markets/${market.id}/buy`).set(traders[2].auth).send({ outcome: 'Yes', amount: '7.5' }).expect(201)).body,
    ];
    const creatorFees = fills.reduce((sum, fill) => sum + (units(fill.fee) * 2000n) / 10000n, 0n);
    expect(await available(running, creator)).toBe(STARTING - units('40') + creatorFees);

    await request(running.url).post(`/api/v1/admin/markets/${market.id}/resolve`).set(creator.auth).send({ outcome: 'Yes' }).expect(403);
    await request(running.url).post(`/api/v1/admin/markets/${market.id}/resolve`).set(admin.auth).send({ outcome: 'Perhaps' }).expect(400);
    const resolved = await request(running.url).post(`/api/v1/admin/markets/${market.id}/resolve`).set(admin.auth).send({ outcome: 'Yes' }).expect(200);
    expect(resolved.body).toMatchObject({ status: 'RESOLVED', resolvedOutcome: 0 });
    expect((await request(running.url).post(`/api/v1/markets/${market.id}/buy`).set(traders[0].auth).send({ outcome: 'Yes', amount: '1' }).expect(422)).body.error).toBe(
      'MarketClosed',
    );
    await request(running.url).post(`/api/v1/admin/markets/${market.id}/cancel`).set(admin.auth).expect(409);

    await waitForMarket(running, market.id, (m) => m.settledAt !== null);
    expect(await available(running, traders[0])).toBe(STARTING - units('30') + units(fills[0].shares));
    expect(await available(running, traders[1])).toBe(STARTING - units('20'));
    expect(await available(running, traders[2])).toBe(STARTING - units('7.5') + units(fills[2].shares));
    const poolIn = units('40') + fills.reduce((sum, fill) => sum + units(fill.amount) - units(fill.fee), 0n);
    const funderReturn = poolIn - units(fills[0].shares) - units(fills[2].shares);
    expect(await available(running, creator)).toBe(STARTING - units('40') + creatorFees + funderReturn);
    expect(await systemBalance(running, `market-pool:${market.id}`)).toBe(0n);
    const positions = await request(running.url).get('/api/v1/markets/me/positions').set(traders[0].auth).expect(200);
    expect(positions.body.data[0]).toMatchObject({ status: 'RESOLVED', settlementAmount: fills[0].shares, currentValue: fills[0].shares });
    expect((await reconcile(running, admin)).ok).toBe(true);
    expect((await poolCheck(running, admin)).ok).toBe(true);
  });

  it('cancels through the job: everyone gets back paid minus received, fees reversed, the house covers the rest, the subsidy returns', async () => {
    const market = await createHouseMarket(running, admin, { subsidy: '60', outcomes: ['A', 'B', 'C'] });
    const [early, late, flat] = [await createFundedUser(running), await createFundedUser(running), await createFundedUser(running)];
    const feesBefore = await systemBalance(running, 'fees');
    const houseBefore = await systemBalance(running, 'house');
    // early buys cheap A, late pushes A up, early sells at a profit the pool paid out.
    const earlyBuy = (await request(running.url).post(`/api/v1/markets/${market.id}/buy`).set(early.auth).send({ outcome: 'A', amount: '20' }).expect(201)).body;
    await request(running.url).post(`/api/v1/markets/${market.id}/buy`).set(late.auth).send({ outcome: 'A', amount: '40' }).expect(201);
    const earlySell = (
      await request(running.url).post(`/api/v1/markets/${market.id}/sell`).set(early.auth).send({ outcome: 'A', shares: earlyBuy.shares }).expect(201)
    ).body;
    expect(units(earlySell.amount)).toBeGreaterThan(units('20'));
    await request(running.url).post(`/api/v1/markets/${market.id}/buy`).set(flat.auth).send({ outcome: 2, amount: '3.333333' }).expect(201);

    await request(running.url).post(`/api/v1/admin/markets/${market.id}/cancel`).set(admin.auth).expect(200);
    await waitForMarket(running, market.id, (m) => m.settledAt !== null && m.status === 'CANCELLED');

    // early received more than paid: keeps it, refund 0. The others are made whole, fees included.
    expect(await available(running, early)).toBe(STARTING - units('20') + units(earlySell.amount));
    expect(await available(running, late)).toBe(STARTING);
    expect(await available(running, flat)).toBe(STARTING);
    expect(await systemBalance(running, 'fees')).toBe(feesBefore);
    expect(await systemBalance(running, `market-pool:${market.id}`)).toBe(0n);
    // The house got its subsidy back and paid the profit early took out.
    expect(await systemBalance(running, 'house')).toBe(houseBefore + units('60') - (units(earlySell.amount) - units('20')));
    expect((await reconcile(running, admin)).ok).toBe(true);
  });

  it('cancels a creator market: the creator earns nothing on their own trades and gives back the fee share earned on others\'', async () => {
    const creator = await createTestUser(running, { roles: ['user', 'creator'] });
    await request(running.url).get('/api/v1/accounts/me').set(creator.auth).expect(200);
    const market = (await request(running.url).post('/api/v1/markets').set(creator.auth).send(marketBody({ subsidy: '40' })).expect(201)).body;
    const [alice, bob] = [await createFundedUser(running), await createFundedUser(running)];
    const feesBefore = await systemBalance(running, 'fees');
    const houseBefore = await systemBalance(running, 'house');

    const aliceBuy = (await request(running.url).post(`/api/v1/markets/${market.id}/buy`).set(alice.auth).send({ outcome: 'Yes', amount: '30' }).expect(201)).body;
    const bobBuy = (await request(running.url).post(`/api/v1/markets/${market.id}/buy`).set(bob.auth).send({ outcome: 'No', amount: '20' }).expect(201)).body;
    const earned = ((units(aliceBuy.fee) + units(bobBuy.fee)) * 2000n) / 10000n;
    expect(earned).toBe(units('0.1'));
    expect(await available(running, creator)).toBe(STARTING - units('40') + earned);
    // The creator's own trade: the whole fee goes to `fees`, none to the creator.
    const ownBuy = (await request(running.url).post(`/api/v1/markets/${market.id}/buy`).set(creator.auth).send({ outcome: 'Yes', amount: '50' }).expect(201)).body;
    expect(ownBuy.fee).toBe('0.500000');
    expect(await available(running, creator)).toBe(STARTING - units('40') + earned - units('50'));
    const [trade] = await db(running).query(`SELECT creator_fee FROM market_trades WHERE id = $1`, [ownBuy.tradeId]);
    expect(trade.creator_fee).toBe('0');
    expect(await systemBalance(running, 'fees')).toBe(feesBefore + units(aliceBuy.fee) + units(bobBuy.fee) - earned + units('0.5'));

    await request(running.url).post(`/api/v1/admin/markets/${market.id}/cancel`).set(admin.auth).expect(200);
    await waitForMarket(running, market.id, (m) => m.settledAt !== null);

    // Everybody ends where they started: the creator's buy refunded, subsidy back, fee share clawed back.
    expect(await available(running, alice)).toBe(STARTING);
    expect(await available(running, bob)).toBe(STARTING);
    expect(await available(running, creator)).toBe(STARTING);
    expect(await systemBalance(running, 'fees')).toBe(feesBefore);
    expect(await systemBalance(running, 'house')).toBe(houseBefore);
    expect(await systemBalance(running, `market-pool:${market.id}`)).toBe(0n);
    const [row] = await db(running).query(`SELECT creator_fees, creator_fees_clawed_back FROM markets WHERE id = $1`, [market.id]);
    expect(row).toEqual({ creator_fees: earned.toString(), creator_fees_clawed_back: earned.toString() });
    // Settling again claws nothing twice.
    await expect(running.app.get(MarketSettlementService).settle(market.id)).resolves.toEqual({ positionsSettled: 0, done: true });
    expect(await available(running, creator)).toBe(STARTING);
    expect((await reconcile(running, admin)).ok).toBe(true);
  });

  it('claws back only what a cancelled market\'s creator still has; the house covers the rest', async () => {
    const creator = await createTestUser(running, { roles: ['user', 'creator'] });
    await request(running.url).get('/api/v1/accounts/me').set(creator.auth).expect(200);
    const market = (await request(running.url).post('/api/v1/markets').set(creator.auth).send(marketBody({ subsidy: '1' })).expect(201)).body;
    const elsewhere = await createHouseMarket(running, admin, { subsidy: '500' });
    const [alice, bob] = [await createFundedUser(running), await createFundedUser(running)];
    const houseBefore = await systemBalance(running, 'house');
    await request(running.url).post(`/api/v1/markets/${market.id}/buy`).set(alice.auth).send({ outcome: 'Yes', amount: '1000' }).expect(201);
    await request(running.url).post(`/api/v1/markets/${market.id}/buy`).set(bob.auth).send({ outcome: 'No', amount: '1000' }).expect(201);
    // 1% fee of 2000 USDC, 20% of it to the creator: 4 USDC, which the creator spends at once.
    expect(await available(running, creator)).toBe(STARTING - units('1') + units('4'));
    await request(running.url).post(`/api/v1/markets/${elsewhere.id}/buy`).set(creator.auth).send({ outcome: 'Yes', amount: '1003' }).expect(201);
    expect(await available(running, creator)).toBe(0n);

    await request(running.url).post(`/api/v1/admin/markets/${market.id}/cancel`).set(admin.auth).expect(200);
    await waitForMarket(running, market.id, (m) => m.settledAt !== null);

    // The creator got the 1 USDC subsidy back and gave it up against the 4 owed; the house covers the other 3.
    expect(await available(running, creator)).toBe(0n);
    expect(await available(running, alice)).toBe(STARTING);
    expect(await available(running, bob)).toBe(STARTING);
    expect(await systemBalance(running, 'house')).toBe(houseBefore - units('3'));
    const [row] = await db(running).query(`SELECT creator_fees, creator_fees_clawed_back FROM markets WHERE id = $1`, [market.id]);
    expect(row).toEqual({ creator_fees: units('4').toString(), creator_fees_clawed_back: units('1').toString() });
    const [clawback] = await db(running).query(`SELECT memo FROM ledger_transactions WHERE kind = 'market.cancel.creator-fee-clawback' AND reference = $1`, [
      `market:${market.id}`,
    ]);
    expect(clawback.memo).toBe('creator fee share 4000000: 1000000 clawed back, 3000000 covered by the house');
    expect((await reconcile(running, admin)).ok).toBe(true);
  });

  it('resumes a settlement after a crash between batches without paying anyone twice', async () => {
    const market = await createHouseMarket(running, admin, { subsidy: '30' });
    const holders = await Promise.all(Array.from({ length: 5 }, () => createFundedUser(running)));
    const fills: { shares: string; outcome: number }[] = [];
    for (const holder of holders) {
      fills.push((await request(running.url).post(`/api/v1/markets/${market.id}/buy`).set(holder.auth).send({ outcome: 'No', amount: '3' }).expect(201)).body);
    }
    const processor = running.app.get(MarketResolutionProcessor);
    await processor.worker.pause();
    try {
      await request(running.url).post(`/api/v1/admin/markets/${market.id}/resolve`).set(admin.auth).send({ outcome: 1 }).expect(200);
      // The first run pays one batch (2 positions, MARKET_SETTLEMENT_BATCH_SIZE=2) and then "crashes".
      const settlement = running.app.get(MarketSettlementService);
      await expect(settlement.settleNextBatch(market.id)).resolves.toEqual({ positionsSettled: 2, done: false });
      const [paid] = await db(running).query(`SELECT count(*)::int AS n FROM market_positions WHERE market_id = $1 AND settled_at IS NOT NULL`, [market.id]);
      expect(paid.n).toBe(2);
    } finally {
      processor.worker.resume();
    }
    // The queued job (the rerun) finishes the rest.
    await waitForMarket(running, market.id, (m) => m.settledAt !== null);
    await expect(running.app.get(MarketSettlementService).settle(market.id)).resolves.toEqual({ positionsSettled: 0, done: true });
    holders.forEach((_, i) => expect(fills[i].outcome).toBe(1));
    for (const [i, holder] of holders.entries()) {
      expect(await available(running, holder)).toBe(STARTING - units('3') + units(fills[i].shares));
      expect(await payoutsTo(running, market.id, holder)).toBe(1);
    }
    expect(await systemBalance(running, `market-pool:${market.id}`)).toBe(0n);
    expect((await reconcile(running, admin)).ok).toBe(true);
  });

  it('retries a settlement job that exhausted its attempts when the sweep runs, and pays exactly once', async () => {
    const market = await createHouseMarket(running, admin, { subsidy: '30' });
    const holder = await createFundedUser(running);
    const fill = (await request(running.url).post(`/api/v1/markets/${market.id}/buy`).set(holder.auth).send({ outcome: 'Yes', amount: '5' }).expect(201)).body;
    const queue = running.app.get<Queue>(getQueueToken(MARKET_RESOLUTION_QUEUE));
    const settlement = running.app.get(MarketSettlementService);
    const failing = jest.spyOn(settlement, 'settle').mockRejectedValue(new Error('database unavailable (test)'));
    try {
      await request(running.url).post(`/api/v1/admin/markets/${market.id}/resolve`).set(admin.auth).send({ outcome: 'Yes' }).expect(200);
      await waitForFailedJob(queue, settlementJobId(market.id));
      expect(failing).toHaveBeenCalledTimes(2);
    } finally {
      failing.mockRestore();
    }
    expect((await marketOf(running, market.id)).settledAt).toBeNull();

    const swept = await running.app.get(MarketLifecycleSweep).sweep();
    expect(swept.settling).toBeGreaterThanOrEqual(1);
    await waitForMarket(running, market.id, (m) => m.settledAt !== null);
    // Enqueueing again once settled changes nothing.
    await running.app.get(MarketLifecycleSweep).sweep();
    await expect(settlement.settle(market.id)).resolves.toEqual({ positionsSettled: 0, done: true });
    expect(await available(running, holder)).toBe(STARTING - units('5') + units(fill.shares));
    expect(await payoutsTo(running, market.id, holder)).toBe(1);
    expect(await systemBalance(running, `market-pool:${market.id}`)).toBe(0n);
    expect((await reconcile(running, admin)).ok).toBe(true);
  });

  it('retries a close job that exhausted its attempts when the sweep runs', async () => {
    const closesAt = new Date(Date.now() + 1000);
    const market = await createHouseMarket(running, admin, { closesAt: closesAt.toISOString() });
    const queue = running.app.get<Queue>(getQueueToken(MARKET_CLOSE_QUEUE));
    const markets = running.app.get(MarketsService);
    const failing = jest.spyOn(markets, 'closeIfDue').mockRejectedValue(new Error('database unavailable (test)'));
    try {
      await waitForFailedJob(queue, closeJobId(market.id, closesAt));
    } finally {
      failing.mockRestore();
    }
    expect((await marketOf(running, market.id)).status).toBe('OPEN');
    const swept = await running.app.get(MarketLifecycleSweep).sweep();
    expect(swept.closing).toBeGreaterThanOrEqual(1);
    await waitForMarket(running, market.id, (m) => m.status === 'CLOSED');
  });

  it('publishes market:created on markets, and market:update and market:trade on market:<id> with the market as snapshot', async () => {
    const socket = await connectSocket(running);
    await expect(ask(socket, 'subscribe', { channel: 'markets' })).resolves.toMatchObject({ ok: true, snapshot: { data: expect.any(Array) } });
    const created = nextEvent<{ marketId: string; status: string; prices: string[] }>(socket, 'market:created');
    const market = await createHouseMarket(running, admin);
    await expect(created).resolves.toEqual({ marketId: market.id, status: 'OPEN', prices: ['0.500000', '0.500000'], volume: '0.000000', resolvedOutcome: null });

    const subscribed = await ask<{ ok: boolean; snapshot: { id: string } }>(socket, 'subscribe', { channel: `market:${market.id}` });
    expect(subscribed).toEqual({ ok: true, snapshot: await marketOf(running, market.id) });
    await expect(ask(socket, 'subscribe', { channel: 'market:00000000-0000-4000-8000-000000000000' })).resolves.toEqual({
      ok: false,
      error: 'unknown channel',
      message: 'Market 00000000-0000-4000-8000-000000000000 not found',
    });

    const user = await createFundedUser(running);
    const update = nextEvent<{ prices: string[]; volume: string }>(socket, 'market:update');
    const trade = nextEvent<Record<string, unknown>>(socket, 'market:trade');
    const fill = (await request(running.url).post(`/api/v1/markets/${market.id}/buy`).set(user.auth).send({ outcome: 'No', amount: '4' }).expect(201)).body;
    await expect(update).resolves.toMatchObject({ marketId: market.id, prices: fill.prices, volume: '4.000000' });
    const traded = await trade;
    expect(traded).toMatchObject({ tradeId: fill.tradeId, side: 'buy', outcome: 1, shares: fill.shares, amount: '4.000000', prices: fill.prices });
    expect(traded).not.toHaveProperty('userId');

    const resolved = nextEvent<{ status: string; resolvedOutcome: number }>(socket, 'market:resolved');
    await request(running.url).post(`/api/v1/admin/markets/${market.id}/resolve`).set(admin.auth).send({ outcome: 'No' }).expect(200);
    await expect(resolved).resolves.toMatchObject({ marketId: market.id, status: 'RESOLVED', resolvedOutcome: 1 });
    // Let the settlement job finish before the app closes (its balance events broadcast after commit).
    await waitForMarket(running, market.id, (m) => m.settledAt !== null);
    await new Promise((resolve) => setTimeout(resolve, 50));
  });
});
