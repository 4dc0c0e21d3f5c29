import request from 'supertest';
import { SeededRandom } from '../src/markets/amm/seeded-random';
import { RunningApp, startTestApp } from './support/test-app';
import { balancesOf, createAdmin, createFundedUser, db, reconcile } from './support/ledger';
import { createHouseMarket, marketOf, units, waitForMarket } from './support/markets';
import { closeSockets, collect, connectSocket, eventually, nextEvent, request as ask } from './support/sockets';
import type { TestUser } from './support/users';

interface OrderBody {
  outcome: string | number;
  side: 'buy' | 'sell';
  price: string;
  shares: string;
  timeInForce: 'GTC' | 'GTD' | 'IOC' | 'FOK';
  expiresAt?: string;
  postOnly?: boolean;
  stp?: 'cancel_resting' | 'cancel_taker';
}

interface Order {
  id: string;
  marketId: string;
  outcome: number;
  side: string;
  price: string;
  shares: string;
  filledShares: string;
  remainingShares: string;
  status: string;
  timeInForce: string;
  postOnly: boolean;
  expiresAt: string | null;
  createdAt: string;
}

interface Fill {
  tradeId: string;
  price: string;
  shares: string;
  amount: string;
  fee: string;
  liquidity: 'maker' | 'taker';
  counterparty: 'book' | 'pool';
}

let keys = 0;

describe('limit orders on prediction markets (e2e)', () => {
  let running: RunningApp;
  let admin: TestUser;

  const place = (user: TestUser, marketId: string, body: OrderBody, status = 201, key = `order-${Date.now()}-${++keys}`) =>
    request(running.url).post(`/api/v1/markets/${marketId}/orders`).set({ ...user.auth, 'Idempotency-Key': key }).send(body).expect(status);
  const balance = async (user: TestUser) => {
    const { USDC } = await balancesOf(running, user);
    return { available: units(USDC.available), locked: units(USDC.locked) };
  };
  const myOrders = async (user: TestUser, query: string) =>
    (await request(running.url).get(`/api/v1/markets/orders/me?${query}`).set(user.auth).expect(200)).body as { data: Order[]; meta: { total: number } };
  const sharesOf = async (user: TestUser, marketId: string): Promise<string[]> => {
    const positions = (await request(running.url).get('/api/v1/markets/me/positions').set(user.auth).expect(200)).body as {
      data: { marketId: string; outcomes: { shares: string }[] }[];
    };
    return positions.data.find((position) => position.marketId === marketId)?.outcomes.map((outcome) => outcome.shares) ?? [];
  };
  const assertReconciled = async () => {
    expect((await reconcile(running, admin)).ok).toBe(true);
    const pools = (await request(running.url).get('/api/v1/admin/markets/pool-check').set(admin.auth).expect(200)).body as { ok: boolean };
    expect(pools.ok).toBe(true);
  };
  /** What a fill cost (buy: amount + fee) or paid (sell: amount − fee), in minor units. */
  const cash = (fills: Fill[], side: 'buy' | 'sell') => fills.reduce((sum, fill) => sum + units(fill.amount) + (side === 'buy' ? units(fill.fee) : -units(fill.fee)), 0n);

  beforeAll(async () => {
    running = await startTestApp({ STARTING_BALANCE: '1000', MARKET_FEE_BPS: '100', MAKER_FEE_BPS: '0' });
    admin = await createAdmin(running);
  });

  afterAll(async () => {
    closeSockets();
    await running.close();
  });

  it('fills a taker against the pool and a resting order, cheapest first, and tells the maker', async () => {
    const market = await createHouseMarket(running, admin);
    const [alice, bob] = [await createFundedUser(running), await createFundedUser(running)];

    // Alice buys 20 Yes from the pool (price 0.50 → ~0.535) with an IOC at 0.60: filled, nothing rests, nothing stays held.
    const first = (await place(alice, market.id, { outcome: 'Yes', side: 'buy', price: '0.60', shares: '20', timeInForce: 'IOC' })).body as { order: Order; fills: Fill[] };
    expect(first.order).toMatchObject({ marketId: market.id, outcome: 0, side: 'buy', price: '0.600000', shares: '20.000000', filledShares: '20.000000', remainingShares: '0.000000', status: 'filled', timeInForce: 'IOC', postOnly: false, expiresAt: null });
    expect(first.fills.map((fill) => [fill.counterparty, fill.liquidity])).toEqual([['pool', 'taker']]);
    expect(await balance(alice)).toEqual({ available: units('1000') - cash(first.fills, 'buy'), locked: 0n });

    // She offers 10 of them at 0.55 (above the pool's price: it rests).
    const ask = (await place(alice, market.id, { outcome: 'Yes', side: 'sell', price: '0.55', shares: '10', timeInForce: 'GTC' })).body as { order: Order; fills: Fill[] };
    expect(ask.order).toMatchObject({ status: 'open', remainingShares: '10.000000' });
    expect(ask.fills).toEqual([]);
    // The offered shares are held: selling them to the pool, or offering them twice, is refused.
    await request(running.url).post(`/api/v1/markets/${market.id}/sell`).set(alice.auth).send({ outcome: 'Yes', shares: '15' }).expect(422);
    // Her quote says the same (quote equals the trade); 10 unoffered shares still sell.
    await request(running.url).get(`/api/v1/markets/${market.id}/quote?outcome=Yes&side=sell&shares=15`).set(alice.auth).expect(422);
    await request(running.url).get(`/api/v1/markets/${market.id}/quote?outcome=Yes&side=sell&shares=10`).set(alice.auth).expect(200);
    const twice = await place(alice, market.id, { outcome: 'Yes', side: 'sell', price: '0.70', shares: '15', timeInForce: 'GTC' }, 422);
    expect(twice.body.error).toBe('InsufficientShares');

    const aliceSocket = await connectSocket(running, { auth: { token: alice.token } });
    const makerUpdate = nextEvent<Order & { kind: string }>(aliceSocket, 'order:update');
    const aliceBefore = await balance(alice);

    // Bob buys 30 at up to 0.60: the pool up to 0.55, then Alice's 10 at 0.55, then the pool again.
    const taker = (await place(bob, market.id, { outcome: 'Yes', side: 'buy', price: '0.60', shares: '30', timeInForce: 'GTC' })).body as { order: Order; fills: Fill[] };
    expect(taker.order).toMatchObject({ status: 'filled', filledShares: '30.000000', remainingShares: '0.000000' });
    expect(taker.fills.map((fill) => fill.counterparty)).toEqual(['pool', 'book', 'pool']);
    const bookFill = taker.fills[1];
    expect(bookFill).toMatchObject({ price: '0.550000', shares: '10.000000', amount: '5.500000', fee: '0.055000', liquidity: 'taker' });
    for (const fill of taker.fills) expect(Number(fill.price)).toBeLessThanOrEqual(0.6);
    expect(await balance(bob)).toEqual({ available: units('1000') - cash(taker.fills, 'buy'), locked: 0n });
    // The maker got 5.50 (no maker fee) and her order is filled; she heard it.
    expect(await balance(alice)).toEqual({ available: aliceBefore.available + units('5.5'), locked: 0n });
    await expect(makerUpdate).resolves.toMatchObject({ kind: 'market-order', id: ask.order.id, status: 'filled', filledShares: '10.000000' });
    expect(await sharesOf(alice, market.id)).toEqual(['10.000000', '0.000000']);
    expect(await sharesOf(bob, market.id)).toEqual(['30.000000', '0.000000']);
    const mine = await myOrders(alice, `marketId=${market.id}&status=filled`);
    expect(mine.data.map((order) => order.id).sort()).toEqual([first.order.id, ask.order.id].sort());
    await assertReconciled();
  });

  it('routes /buy and /sell through the book: a resting order better than the pool fills first, and the quote is the trade', async () => {
    const market = await createHouseMarket(running, admin);
    const [alice, bob, carol] = [await createFundedUser(running), await createFundedUser(running), await createFundedUser(running)];
    const yesPrice = async () => Number(((await marketOf(running, market.id)) as { outcomes: { price: string }[] }).outcomes[0].price);
    const trade = (user: TestUser, path: 'buy' | 'sell', body: object, status = 201) =>
      request(running.url).post(`/api/v1/markets/${market.id}/${path}`).set({ ...user.auth, 'Idempotency-Key': `trade-${Date.now()}-${++keys}` }).send(body).expect(status);
    const quote = async (query: string) => (await request(running.url).get(`/api/v1/markets/${market.id}/quote?${query}`).set(carol.auth).expect(200)).body as Record<string, unknown>;

    // Alice holds 20 Yes; Bob buys No, which lowers Yes; Alice offers 10 Yes one tick above the price (it rests).
    await trade(alice, 'buy', { outcome: 'Yes', amount: '12' });
    const bobNo = (await trade(bob, 'buy', { outcome: 'No', amount: '25' })).body as { shares: string };
    const ask = Math.ceil((await yesPrice()) * 100 + 1) / 100;
    const offer = (await place(alice, market.id, { outcome: 'Yes', side: 'sell', price: ask.toFixed(2), shares: '10', timeInForce: 'GTC' })).body as { order: Order };
    expect(offer.order.status).toBe('open');
    // Bob sells his No back: Yes rises past Alice's resting sell without filling it (the pool never trades with it).
    await trade(bob, 'sell', { outcome: 'No', shares: bobNo.shares });
    expect(await yesPrice()).toBeGreaterThan(ask);
    expect((await myOrders(alice, `marketId=${market.id}&status=open`)).data.map((order) => order.remainingShares)).toEqual(['10.000000']);

    // Carol's buy of 10 USDC: Alice's 10 shares at her price first (cheaper than the pool), the rest from the pool.
    const quoted = await quote('outcome=Yes&side=buy&amount=10');
    const notional = units(ask.toFixed(2)) * 10n;
    // minShares above what it buys: refused, nothing moves.
    const refused = await trade(carol, 'buy', { outcome: 'Yes', amount: '10', minShares: (Number(quoted.shares) + 0.01).toFixed(6) }, 422);
    expect(refused.body.error).toBe('PriceMovedBeyondSlippage');
    expect(await balance(carol)).toEqual({ available: units('1000'), locked: 0n });

    const aliceSocket = await connectSocket(running, { auth: { token: alice.token } });
    const makerUpdate = nextEvent<Order & { kind: string }>(aliceSocket, 'order:update');
    const aliceBefore = await balance(alice);
    const bought = (await trade(carol, 'buy', { outcome: 'Yes', amount: '10' })).body as Record<string, unknown> & { tradeId: string; fills: Fill[] };
    const { tradeId, fills, ...fill } = bought;
    expect(fill).toEqual(quoted);
    expect(fills.map((one) => [one.counterparty, one.liquidity])).toEqual([
      ['book', 'taker'],
      ['pool', 'taker'],
    ]);
    expect(fills[0]).toMatchObject({ tradeId, price: `${ask.toFixed(2)}0000`, shares: '10.000000', amount: (Number(notional) / 1e6).toFixed(6), fee: (Number(notional) / 1e8).toFixed(6) });
    expect(bought).toMatchObject({ outcome: 0, side: 'buy', amount: '10.000000' });
    expect(units(bought.fee as string)).toBe(fills.reduce((sum, one) => sum + units(one.fee), 0n));
    // Balances: Carol paid exactly 10, Alice got the notional (no maker fee), her order is filled and she heard it.
    expect(await balance(carol)).toEqual({ available: units('990'), locked: 0n });
    expect(await balance(alice)).toEqual({ available: aliceBefore.available + notional, locked: 0n });
    await expect(makerUpdate).resolves.toMatchObject({ kind: 'market-order', id: offer.order.id, status: 'filled', filledShares: '10.000000' });
    expect((await sharesOf(carol, market.id))[0]).toBe(bought.shares);
    // The book trade is in the market's trades under the id the buy answered.
    const trades = (await request(running.url).get(`/api/v1/markets/${market.id}/trades?limit=100`).expect(200)).body as { data: { id: string; venue: string }[] };
    expect(trades.data.find((one) => one.id === tradeId)).toMatchObject({ venue: 'book' });
    expect(trades.data.find((one) => one.id === fills[1].tradeId)).toMatchObject({ venue: 'pool', side: 'buy' });
    await assertReconciled();

    // A sell the same way: Bob bids one tick below the price (it rests), a buy of No lowers Yes below his bid, and
    // Carol's sell of 5 Yes fills his bid first.
    const bid = Math.floor((await yesPrice()) * 100 - 1) / 100;
    const resting = (await place(bob, market.id, { outcome: 'Yes', side: 'buy', price: bid.toFixed(2), shares: '5', timeInForce: 'GTC' })).body as { order: Order };
    expect(resting.order.status).toBe('open');
    await trade(alice, 'buy', { outcome: 'No', amount: '20' });
    expect(await yesPrice()).toBeLessThan(bid);
    const sellQuote = await quote('outcome=Yes&side=sell&shares=5');
    const sold = (await trade(carol, 'sell', { outcome: 'Yes', shares: '5' })).body as Record<string, unknown> & { fills: Fill[] };
    const { tradeId: _soldId, fills: soldFills, ...soldFill } = sold;
    expect(soldFill).toEqual(sellQuote);
    expect(soldFills.map((one) => [one.counterparty, one.price, one.shares])).toEqual([['book', `${bid.toFixed(2)}0000`, '5.000000']]);
    expect((await myOrders(bob, `marketId=${market.id}&status=filled`)).data.map((order) => order.id)).toContain(resting.order.id);
    expect(await balance(bob)).toMatchObject({ locked: 0n });
    await assertReconciled();
  });

  it('holds a resting buy, refuses bad orders moving nothing, and cancels only the owner’s orders', async () => {
    const market = await createHouseMarket(running, admin);
    const [carol, dave] = [await createFundedUser(running), await createFundedUser(running)];

    const bid = (await place(carol, market.id, { outcome: 'Yes', side: 'buy', price: '0.10', shares: '50', timeInForce: 'GTC' })).body as { order: Order; fills: Fill[] };
    expect(bid.order).toMatchObject({ status: 'open', filledShares: '0.000000', remainingShares: '50.000000' });
    // price × shares plus the most fee it could pay (1%).
    expect(await balance(carol)).toEqual({ available: units('1000') - units('5.05'), locked: units('5.05') });

    const before = await balance(dave);
    const refusals: [OrderBody, number, string][] = [
      [{ outcome: 'Yes', side: 'buy', price: '0.105', shares: '1', timeInForce: 'GTC' }, 400, 'ValidationFailed'],
      [{ outcome: 'Yes', side: 'buy', price: '0', shares: '1', timeInForce: 'GTC' }, 400, 'ValidationFailed'],
      [{ outcome: 'Yes', side: 'buy', price: '1', shares: '1', timeInForce: 'GTC' }, 400, 'ValidationFailed'],
      [{ outcome: 'Yes', side: 'buy', price: '0.5', shares: '0', timeInForce: 'GTC' }, 400, 'ValidationFailed'],
      [{ outcome: 'Yes', side: 'buy', price: '0.5', shares: '0.00001', timeInForce: 'GTC' }, 400, 'ValidationFailed'],
      [{ outcome: 'Yes', side: 'buy', price: '0.5', shares: '1', timeInForce: 'GTD' }, 400, 'ValidationFailed'],
      [{ outcome: 'Maybe', side: 'buy', price: '0.5', shares: '1', timeInForce: 'GTC' }, 400, 'UnknownOutcome'],
      [{ outcome: 'Yes', side: 'buy', price: '0.11', shares: '100', timeInForce: 'FOK' }, 422, 'FillOrKillUnfilled'],
      [{ outcome: 'Yes', side: 'buy', price: '0.99', shares: '1', timeInForce: 'GTC', postOnly: true }, 422, 'WouldCrossBook'],
      [{ outcome: 'Yes', side: 'sell', price: '0.5', shares: '1', timeInForce: 'GTC' }, 422, 'InsufficientShares'],
      [{ outcome: 'Yes', side: 'buy', price: '0.99', shares: '2000', timeInForce: 'GTC' }, 422, 'InsufficientFunds'],
    ];
    for (const [body, status, error] of refusals) {
      const refused = await place(dave, market.id, body, status);
      expect([body, refused.body.error]).toEqual([body, error]);
    }
    expect(await balance(dave)).toEqual(before);
    expect((await myOrders(dave, `marketId=${market.id}`)).meta.total).toBe(0);

    // An Idempotency-Key retry answers the first order and places it once.
    const key = `dave-bid-${market.id}`;
    const once = (await place(dave, market.id, { outcome: 'No', side: 'buy', price: '0.20', shares: '10', timeInForce: 'GTC' }, 201, key)).body as { order: Order };
    const again = (await place(dave, market.id, { outcome: 'No', side: 'buy', price: '0.20', shares: '10', timeInForce: 'GTC' }, 201, key)).body as { order: Order };
    expect(again.order.id).toBe(once.order.id);
    expect((await myOrders(dave, `marketId=${market.id}`)).meta.total).toBe(1);

    // Someone else's order is 404 and stays; the owner cancels it and gets the hold back.
    await request(running.url).delete(`/api/v1/markets/${market.id}/orders/${bid.order.id}`).set(dave.auth).expect(404);
    const cancelled = (await request(running.url).delete(`/api/v1/markets/${market.id}/orders/${bid.order.id}`).set(carol.auth).expect(200)).body as Order;
    expect(cancelled).toMatchObject({ id: bid.order.id, status: 'cancelled', remainingShares: '0.000000' });
    expect(await balance(carol)).toEqual({ available: units('1000'), locked: 0n });

    // Cancel all: both of Carol's open orders, none of Dave's.
    await place(carol, market.id, { outcome: 'Yes', side: 'buy', price: '0.05', shares: '10', timeInForce: 'GTC' });
    await place(carol, market.id, { outcome: 'No', side: 'buy', price: '0.05', shares: '10', timeInForce: 'GTC' });
    const all = (await request(running.url).delete(`/api/v1/markets/${market.id}/orders`).set(carol.auth).expect(200)).body as { cancelled: Order[] };
    expect(all.cancelled.map((order) => order.status)).toEqual(['cancelled', 'cancelled']);
    expect(await balance(carol)).toEqual({ available: units('1000'), locked: 0n });
    expect((await myOrders(dave, `marketId=${market.id}&status=open`)).meta.total).toBe(1);
    await assertReconciled();
  });

  it('lets a later taker fill a resting bid the pool moved past, and self-trade prevention cancels the own resting order', async () => {
    const market = await createHouseMarket(running, admin);
    const [erin, frank, ivan] = [await createFundedUser(running), await createFundedUser(running), await createFundedUser(running)];
    await place(frank, market.id, { outcome: 'No', side: 'buy', price: '0.70', shares: '10', timeInForce: 'IOC' });
    // Both bids rest below the pool's No price (~0.517).
    const bid = (await place(erin, market.id, { outcome: 'No', side: 'buy', price: '0.45', shares: '5', timeInForce: 'GTC' })).body as { order: Order };
    const own = (await place(frank, market.id, { outcome: 'No', side: 'buy', price: '0.44', shares: '1', timeInForce: 'GTC' })).body as { order: Order };
    expect([bid.order.status, own.order.status]).toEqual(['open', 'open']);
    // A big Yes buy moves No's pool price below both bids; the pool does not fill them by itself.
    await request(running.url).post(`/api/v1/markets/${market.id}/buy`).set(ivan.auth).send({ outcome: 'Yes', amount: '40' }).expect(201);
    const moved = (await request(running.url).get(`/api/v1/markets/${market.id}`).expect(200)).body as { outcomes: { price: string }[] };
    expect(Number(moved.outcomes[1].price)).toBeLessThan(0.44);
    expect((await myOrders(erin, `marketId=${market.id}&status=open`)).meta.total).toBe(1);

    // Frank sells 6 No: Erin's 0.45 is better than the pool, then his own 0.44 is cancelled (STP), then the pool.
    const sold = (await place(frank, market.id, { outcome: 'No', side: 'sell', price: '0.01', shares: '6', timeInForce: 'IOC' })).body as { order: Order; fills: Fill[] };
    expect(sold.order.status).toBe('filled');
    expect(sold.fills.map((fill) => fill.counterparty)).toEqual(['book', 'pool']);
    expect(sold.fills[0]).toMatchObject({ price: '0.450000', shares: '5.000000', amount: '2.250000', fee: '0.022500' });
    const [ownAfter] = (await myOrders(frank, `marketId=${market.id}&status=cancelled`)).data;
    expect(ownAfter.id).toBe(own.order.id);
    expect((await balance(frank)).locked).toBe(0n);
    const [erinBid] = (await myOrders(erin, `marketId=${market.id}`)).data;
    expect(erinBid).toMatchObject({ id: bid.order.id, status: 'filled', filledShares: '5.000000' });
    expect(await sharesOf(erin, market.id)).toEqual(['0.000000', '5.000000']);
    // 5 × 0.45 plus the 1% hold for fees (no maker fee): the fee part came back.
    expect(await balance(erin)).toEqual({ available: units('1000') - units('2.25'), locked: 0n });
    await assertReconciled();
  });

  it('shows the book by price level with its sequence, and streams book:update deltas in sequence after the subscribe snapshot', async () => {
    const market = await createHouseMarket(running, admin);
    const [jack, kim] = [await createFundedUser(running), await createFundedUser(running)];
    const first = (await place(jack, market.id, { outcome: 'Yes', side: 'buy', price: '0.30', shares: '10', timeInForce: 'GTC' })).body as { order: Order };
    await place(jack, market.id, { outcome: 'Yes', side: 'buy', price: '0.30', shares: '5', timeInForce: 'GTC' });
    await place(jack, market.id, { outcome: 'Yes', side: 'buy', price: '0.25', shares: '5', timeInForce: 'GTC' });
    await place(kim, market.id, { outcome: 'Yes', side: 'buy', price: '0.70', shares: '10', timeInForce: 'IOC' });
    await place(kim, market.id, { outcome: 'Yes', side: 'sell', price: '0.80', shares: '10', timeInForce: 'GTC' });
    const bookOf = async () => (await request(running.url).get(`/api/v1/markets/${market.id}/book?outcome=Yes&depth=10`).expect(200)).body;
    const book = await bookOf();
    expect(book).toEqual({
      marketId: market.id,
      outcome: 0,
      bids: [
        { price: '0.300000', shares: '15.000000', orders: 2 },
        { price: '0.250000', shares: '5.000000', orders: 1 },
      ],
      asks: [{ price: '0.800000', shares: '10.000000', orders: 1 }],
      sequence: 4,
    });
    await request(running.url).get(`/api/v1/markets/${market.id}/book?outcome=Maybe`).expect(400);

    const socket = await connectSocket(running);
    await expect(ask(socket, 'subscribe', { channel: `book:${market.id}:5` })).resolves.toMatchObject({ ok: false });
    await expect(ask(socket, 'subscribe', { channel: `book:${market.id}:0` })).resolves.toEqual({ ok: true, snapshot: book });
    const deltas = collect<{ sequence: number; side: string; price: string; shares: string; orders: number }>(socket, 'book:update');

    await request(running.url).delete(`/api/v1/markets/${market.id}/orders/${first.order.id}`).set(jack.auth).expect(200);
    await place(jack, market.id, { outcome: 'Yes', side: 'buy', price: '0.31', shares: '1', timeInForce: 'GTC' });
    await request(running.url).delete(`/api/v1/markets/${market.id}/orders`).set(jack.auth).expect(200);
    await eventually(() => expect(deltas).toHaveLength(5));
    expect(deltas).toEqual([
      { marketId: market.id, outcome: 0, sequence: 5, side: 'buy', price: '0.300000', shares: '5.000000', orders: 1 },
      { marketId: market.id, outcome: 0, sequence: 6, side: 'buy', price: '0.310000', shares: '1.000000', orders: 1 },
      { marketId: market.id, outcome: 0, sequence: 7, side: 'buy', price: '0.250000', shares: '0.000000', orders: 0 },
      { marketId: market.id, outcome: 0, sequence: 8, side: 'buy', price: '0.300000', shares: '0.000000', orders: 0 },
      { marketId: market.id, outcome: 0, sequence: 9, side: 'buy', price: '0.310000', shares: '0.000000', orders: 0 },
    ]);
    expect(await bookOf()).toEqual({ marketId: market.id, outcome: 0, bids: [], asks: [{ price: '0.800000', shares: '10.000000', orders: 1 }], sequence: 9 });
    await assertReconciled();
  });

  it("prices orders on the market's own tick: 0.123 rests on a 0.001 market and shows in its book, 0.1234 there and 0.123 on a 0.01 market are refused moving nothing", async () => {
    const fine = await createHouseMarket(running, admin, { tickSize: '0.001' });
    expect(fine.tickSize).toBe('0.001000');
    const [lena, milo] = [await createFundedUser(running), await createFundedUser(running)];
    const bookOf = async (marketId: string) => (await request(running.url).get(`/api/v1/markets/${marketId}/book?outcome=Yes&depth=10`).expect(200)).body;
    const socket = await connectSocket(running);
    await expect(ask(socket, 'subscribe', { channel: `book:${fine.id}:0` })).resolves.toMatchObject({ ok: true });
    const deltas = collect<{ sequence: number; side: string; price: string; shares: string; orders: number }>(socket, 'book:update');

    const bid = (await place(lena, fine.id, { outcome: 'Yes', side: 'buy', price: '0.123', shares: '10', timeInForce: 'GTC' })).body as { order: Order; fills: Fill[] };
    expect(bid.order).toMatchObject({ status: 'open', price: '0.123000', remainingShares: '10.000000' });
    expect(bid.fills).toEqual([]);
    // The hold is exact: 10 × 0.123 = 1.23 plus the most fee it could pay (1%).
    expect(await balance(lena)).toEqual({ available: units('1000') - units('1.2423'), locked: units('1.2423') });
    const book = await bookOf(fine.id);
    expect(book).toEqual({ marketId: fine.id, outcome: 0, bids: [{ price: '0.123000', shares: '10.000000', orders: 1 }], asks: [], sequence: 1 });
    await eventually(() => expect(deltas).toEqual([{ marketId: fine.id, outcome: 0, sequence: 1, side: 'buy', price: '0.123000', shares: '10.000000', orders: 1 }]));

    // Off this market's tick, outside one tick .. 1 − one tick, or not whole lots of 0.001 share: 400 naming the field, nothing moves.
    const before = await balance(milo);
    const refusals: [OrderBody, string][] = [
      [{ outcome: 'Yes', side: 'buy', price: '0.1234', shares: '10', timeInForce: 'GTC' }, 'price'],
      [{ outcome: 'Yes', side: 'buy', price: '1', shares: '10', timeInForce: 'GTC' }, 'price'],
      [{ outcome: 'Yes', side: 'buy', price: '1.001', shares: '10', timeInForce: 'GTC' }, 'price'],
      [{ outcome: 'Yes', side: 'buy', price: '0.123', shares: '0.0001', timeInForce: 'GTC' }, 'shares'],
    ];
    for (const [body, field] of refusals) {
      const refused = await place(milo, fine.id, body, 400);
      expect([body, refused.body.error, refused.body.details.map((detail: { field: string }) => detail.field)]).toEqual([body, 'ValidationFailed', [field]]);
    }
    const offTick = await place(milo, fine.id, { outcome: 'Yes', side: 'buy', price: '0.1234', shares: '10', timeInForce: 'GTC' }, 400);
    expect(offTick.body.message).toBe("price must be on the market's tick of 0.001000");
    expect(await balance(milo)).toEqual(before);
    expect((await myOrders(milo, `marketId=${fine.id}`)).meta.total).toBe(0);
    expect(await bookOf(fine.id)).toEqual(book);

    // The same price on a market of the default 0.01 tick is off its tick.
    const coarse = await createHouseMarket(running, admin);
    expect(coarse.tickSize).toBe('0.010000');
    const refused = await place(milo, coarse.id, { outcome: 'Yes', side: 'buy', price: '0.123', shares: '10', timeInForce: 'GTC' }, 400);
    expect(refused.body).toMatchObject({ error: 'ValidationFailed', message: "price must be on the market's tick of 0.010000" });
    expect(await balance(milo)).toEqual(before);
    expect(await bookOf(coarse.id)).toMatchObject({ bids: [], asks: [], sequence: 0 });

    // Cancelling gives the hold back to the unit, and the delta is on the market's tick too.
    await request(running.url).delete(`/api/v1/markets/${fine.id}/orders/${bid.order.id}`).set(lena.auth).expect(200);
    expect(await balance(lena)).toEqual({ available: units('1000'), locked: 0n });
    await eventually(() => expect(deltas).toHaveLength(2));
    expect(deltas[1]).toEqual({ marketId: fine.id, outcome: 0, sequence: 2, side: 'buy', price: '0.123000', shares: '0.000000', orders: 0 });
    await assertReconciled();
  });

  it('keeps holds, books and the ledger exact under concurrent orders of several users on one market', async () => {
    const market = await createHouseMarket(running, admin);
    const users = [await createFundedUser(running), await createFundedUser(running), await createFundedUser(running), await createFundedUser(running)];
    for (const user of users) {
      await place(user, market.id, { outcome: 'Yes', side: 'buy', price: '0.90', shares: '20', timeInForce: 'IOC' });
      await place(user, market.id, { outcome: 'No', side: 'buy', price: '0.90', shares: '20', timeInForce: 'IOC' });
    }
    const random = new SeededRandom(14);
    const statuses: number[] = [];
    for (let round = 0; round < 6; round++) {
      const results = await Promise.all(
        users.map((user) => {
          const body: OrderBody = {
            outcome: random.int(0, 1),
            side: random.int(0, 1) === 0 ? 'buy' : 'sell',
            price: (random.int(35, 65) / 100).toFixed(2),
            shares: String(random.int(1, 8)),
            timeInForce: random.int(0, 3) === 0 ? 'IOC' : 'GTC',
          };
          return request(running.url).post(`/api/v1/markets/${market.id}/orders`).set({ ...user.auth, 'Idempotency-Key': `mix-${market.id}-${round}-${user.id}` }).send(body);
        }),
      );
      statuses.push(...results.map((result) => result.status));
    }
    expect(statuses.every((status) => status === 201 || status === 422)).toBe(true);
    expect(statuses.filter((status) => status === 201).length).toBeGreaterThan(10);

    // Every user's locked balance is exactly the holds of their open buys, and each book equals its open orders.
    const [holds] = await db(running).query(`SELECT count(*)::int AS n FROM market_orders WHERE market_id = $1 AND status <> 'open' AND locked_amount <> 0`, [market.id]);
    expect(holds.n).toBe(0);
    for (const user of users) {
      const [row] = await db(running).query(`SELECT coalesce(sum(locked_amount), 0)::text AS locked FROM market_orders WHERE user_id = $1 AND status = 'open'`, [user.id]);
      expect((await balance(user)).locked).toBe(BigInt(row.locked));
    }
    for (const outcome of [0, 1]) {
      const book = (await request(running.url).get(`/api/v1/markets/${market.id}/book?outcome=${outcome}&depth=100`).expect(200)).body as { bids: { shares: string }[]; asks: { shares: string }[] };
      const open = (await Promise.all(users.map((user) => myOrders(user, `marketId=${market.id}&status=open&limit=100`)))).flatMap((page) => page.data).filter((order) => order.outcome === outcome);
      const sum = (side: string) => open.filter((order) => order.side === side).reduce((total, order) => total + units(order.remainingShares), 0n);
      expect([book.bids.reduce((total, level) => total + units(level.shares), 0n), book.asks.reduce((total, level) => total + units(level.shares), 0n)]).toEqual([sum('buy'), sum('sell')]);
      // A book never crosses itself.
      const bestBid = Math.max(0, ...open.filter((order) => order.side === 'buy').map((order) => Number(order.price)));
      const bestAsk = Math.min(1, ...open.filter((order) => order.side === 'sell').map((order) => Number(order.price)));
      expect(bestBid).toBeLessThan(bestAsk);
    }
    await assertReconciled();

    for (const user of users) await request(running.url).delete(`/api/v1/markets/${market.id}/orders`).set(user.auth).expect(200);
    for (const user of users) expect((await balance(user)).locked).toBe(0n);
    await assertReconciled();
  });

  it('expires a GTD order at its expiresAt and releases its hold', async () => {
    const market = await createHouseMarket(running, admin);
    const gina = await createFundedUser(running);
    const expiresAt = new Date(Date.now() + 1500).toISOString();
    const gtd = (await place(gina, market.id, { outcome: 'Yes', side: 'buy', price: '0.05', shares: '10', timeInForce: 'GTD', expiresAt })).body as { order: Order };
    expect(gtd.order).toMatchObject({ status: 'open', timeInForce: 'GTD', expiresAt });
    expect((await balance(gina)).locked).toBe(units('0.505'));
    const socket = await connectSocket(running, { auth: { token: gina.token } });
    const expired = nextEvent<Order>(socket, 'order:update', 10_000);
    await expect(expired).resolves.toMatchObject({ id: gtd.order.id, status: 'expired' });
    expect(await balance(gina)).toEqual({ available: units('1000'), locked: 0n });
    await assertReconciled();
  });

  it('cancels every resting order when the market is resolved, then pays it', async () => {
    const market = await createHouseMarket(running, admin);
    const [hank, ivy] = [await createFundedUser(running), await createFundedUser(running)];
    const bought = (await place(hank, market.id, { outcome: 'Yes', side: 'buy', price: '0.70', shares: '10', timeInForce: 'IOC' })).body as { fills: Fill[] };
    await place(hank, market.id, { outcome: 'Yes', side: 'sell', price: '0.90', shares: '10', timeInForce: 'GTC' });
    await place(ivy, market.id, { outcome: 'No', side: 'buy', price: '0.05', shares: '100', timeInForce: 'GTC' });
    await request(running.url).post(`/api/v1/admin/markets/${market.id}/resolve`).set(admin.auth).send({ outcome: 'Yes' }).expect(200);
    await waitForMarket(running, market.id, (state) => state.settledAt !== null);
    expect((await myOrders(hank, `marketId=${market.id}&status=open`)).meta.total).toBe(0);
    expect((await myOrders(ivy, `marketId=${market.id}&status=cancelled`)).meta.total).toBe(1);
    expect(await balance(ivy)).toEqual({ available: units('1000'), locked: 0n });
    // Hank's 10 Yes (no longer offered) paid 10.
    await eventually(async () => expect(await balance(hank)).toEqual({ available: units('1000') - cash(bought.fills, 'buy') + units('10'), locked: 0n }));
    await request(running.url).post(`/api/v1/markets/${market.id}/orders`).set(ivy.auth).send({ outcome: 'No', side: 'buy', price: '0.05', shares: '1', timeInForce: 'GTC' }).expect(422);
    await assertReconciled();
  });
});
