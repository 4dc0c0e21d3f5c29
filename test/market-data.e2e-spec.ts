import request from 'supertest';
import { RunningApp, startTestApp } from './support/test-app';
import { createAdmin, createFundedUser } from './support/ledger';
import { createHouseMarket } from './support/markets';
import type { TestUser } from './support/users';

interface Trade {
  id: string;
  venue: 'pool' | 'book';
  side: 'buy' | 'sell';
  makerSide: 'buy' | 'sell';
  outcome: number;
  shares: string;
  amount: string;
  fee: string;
  price: string;
  averagePrice: string;
  prices: string[];
  takerOrderId: string | null;
  makerOrderId: string | null;
  createdAt: string;
}

let keys = 0;
describe('market data: trades with book fills (e2e)', () => {
  let running: RunningApp;
  let admin: TestUser;

  const place = (user: TestUser, marketId: string, body: Record<string, unknown>) =>
    request(running.url).post(`/api/v1/markets/${marketId}/orders`).set({ ...user.auth, 'Idempotency-Key': `data-${Date.now()}-${++keys}` }).send(body).expect(201);
  const tradesOf = async (marketId: string, query = '') => (await request(running.url).get(`/api/v1/markets/${marketId}/trades?${query}`).expect(200)).body as { data: Trade[]; meta: { total: number; hasNext: boolean } };

  beforeAll(async () => {
    running = await startTestApp({ STARTING_BALANCE: '1000', MARKET_FEE_BPS: '100', MAKER_FEE_BPS: '0' });
    admin = await createAdmin(running);
  });

  afterAll(async () => {
    await running.close();
  });

  it('lists pool and book trades newest first, paginated', async () => {
    const market = await createHouseMarket(running, admin);
    const [alice, bob, carol] = [await createFundedUser(running), await createFundedUser(running), await createFundedUser(running)];
    // Alice buys 20 Yes from the pool, then offers 10 at 0.55; Bob's buy of 30 takes the pool, her 10, the pool again.
    await place(alice, market.id, { outcome: 'Yes', side: 'buy', price: '0.60', shares: '20', timeInForce: 'IOC' });
    const ask = (await place(alice, market.id, { outcome: 'Yes', side: 'sell', price: '0.55', shares: '10', timeInForce: 'GTC' })).body as { order: { id: string } };
    const taker = (await place(bob, market.id, { outcome: 'Yes', side: 'buy', price: '0.60', shares: '30', timeInForce: 'GTC' })).body as {
      order: { id: string };
      fills: { tradeId: string; counterparty: string }[];
    };
    expect(taker.fills.map((fill) => fill.counterparty)).toEqual(['pool', 'book', 'pool']);
    // Carol trades the other outcome at the AMM.
    await request(running.url).post(`/api/v1/markets/${market.id}/buy`).set(carol.auth).send({ outcome: 'No', amount: '5' }).expect(201);

    const trades = await tradesOf(market.id);
    expect(trades.meta.total).toBe(5);
    const book = trades.data.filter((trade) => trade.venue === 'book');
    expect(book).toEqual([
      expect.objectContaining({
        id: taker.fills[1].tradeId,
        side: 'buy',
        makerSide: 'sell',
        outcome: 0,
        price: '0.550000',
        shares: '10.000000',
        amount: '5.555000',
        fee: '0.055000',
        averagePrice: '0.555500',
        takerOrderId: taker.order.id,
        makerOrderId: ask.order.id,
      }),
    ]);
    expect(book[0].prices).toHaveLength(2);
    const pool = trades.data.filter((trade) => trade.venue === 'pool');
    expect(pool).toHaveLength(4);
    for (const trade of pool) expect(trade).toMatchObject({ makerSide: trade.side === 'buy' ? 'sell' : 'buy', takerOrderId: null, makerOrderId: null });
    // Newest first: Carol's No trade, then Bob's three, then Alice's first.
    expect(trades.data[0]).toMatchObject({ outcome: 1, venue: 'pool', side: 'buy' });
    expect(trades.data[4]).toMatchObject({ outcome: 0, venue: 'pool', shares: '20.000000' });
    for (let index = 1; index < trades.data.length; index++) expect(trades.data[index - 1].createdAt >= trades.data[index].createdAt).toBe(true);
    const firstPage = await tradesOf(market.id, 'limit=2');
    const secondPage = await tradesOf(market.id, 'limit=2&page=2');
    expect(firstPage.meta).toMatchObject({ total: 5, hasNext: true });
    expect([...firstPage.data, ...secondPage.data].map((trade) => trade.id)).toEqual(trades.data.slice(0, 4).map((trade) => trade.id));

  });
});
