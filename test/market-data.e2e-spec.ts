import request from 'supertest';
import { RunningApp, startTestApp } from './support/test-app';
import { createAdmin, createFundedUser, db } from './support/ledger';
import { createHouseMarket, units } from './support/markets';
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

interface Candle {
  at: string;
  open: string;
  high: string;
  low: string;
  close: string;
  volumeShares: string;
  volumeUsdc: string;
  trades: number;
}

interface OutcomeTicker {
  outcome: number;
  label: string;
  price: string;
  last: string | null;
  open: string | null;
  change: string | null;
  high: string | null;
  low: string | null;
  volumeShares: string;
  volumeUsdc: string;
  trades: number;
}

let keys = 0;
const micros = (value: string) => units(value);
const format = (value: bigint) => `${value < 0n ? '-' : ''}${(value < 0n ? -value : value) / 1_000_000n}.${((value < 0n ? -value : value) % 1_000_000n).toString().padStart(6, '0')}`;
/** Cash before fee of a taker's trade: a buy paid amount (fee included), a sell received amount (net of fee). */
const notional = (trade: Trade) => (trade.side === 'buy' ? units(trade.amount) - units(trade.fee) : units(trade.amount) + units(trade.fee));

describe('market data: trades with book fills, candles, ticker (e2e)', () => {
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

  it('lists pool and book trades newest first, derives candles and the ticker from them, and refuses bad queries', async () => {
    const market = await createHouseMarket(running, admin);
    const [alice, bob, carol] = [await createFundedUser(running), await createFundedUser(running), await createFundedUser(running)];
    const fresh = (await request(running.url).get(`/api/v1/markets/${market.id}/ticker`).expect(200)).body as { outcomes: OutcomeTicker[] };
    expect(fresh.outcomes.map((outcome) => [outcome.label, outcome.last, outcome.change, outcome.trades, outcome.volumeShares])).toEqual([
      ['Yes', null, null, 0, '0.000000'],
      ['No', null, null, 0, '0.000000'],
    ]);

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

    // Candles of Yes over one day: OHLC and volume of exactly the four Yes fills (oldest is the open, newest the close).
    const yes = trades.data.filter((trade) => trade.outcome === 0);
    const prices = yes.map((trade) => micros(trade.price));
    const now = Date.now();
    const dayStart = new Date(Math.floor(now / 86_400_000) * 86_400_000);
    const daily = (
      await request(running.url)
        .get(`/api/v1/markets/${market.id}/candles`)
        .query({ outcome: 'yes', interval: '1d', from: new Date(dayStart.getTime() - 86_400_000).toISOString(), to: new Date(now + 60_000).toISOString() })
        .expect(200)
    ).body as { outcome: number; candles: Candle[] };
    expect(daily.outcome).toBe(0);
    expect(daily.candles).toEqual([
      {
        at: dayStart.toISOString(),
        open: yes[yes.length - 1].price,
        close: yes[0].price,
        high: format(prices.reduce((a, b) => (a > b ? a : b))),
        low: format(prices.reduce((a, b) => (a < b ? a : b))),
        volumeShares: '50.000000',
        volumeUsdc: format(yes.reduce((sum, trade) => sum + notional(trade), 0n)),
        trades: 4,
      },
    ]);
    expect(daily.candles[0].high).not.toBe(daily.candles[0].low);
    // Minute candles hold the same four fills, each aligned on its minute.
    const minutes = (await request(running.url).get(`/api/v1/markets/${market.id}/candles?outcome=0&interval=1m`).expect(200)).body as { candles: Candle[] };
    expect(minutes.candles.reduce((sum, candle) => sum + candle.trades, 0)).toBe(4);
    for (const candle of minutes.candles) expect(new Date(candle.at).getTime() % 60_000).toBe(0);
    const no = (await request(running.url).get(`/api/v1/markets/${market.id}/candles?outcome=No&interval=5m`).expect(200)).body as { candles: Candle[] };
    expect(no.candles.map((candle) => [candle.trades, candle.open, candle.close])).toEqual([[1, trades.data[0].price, trades.data[0].price]]);

    // The ticker: no fill before the window, so the open is the first fill in it.
    const ticker = (await request(running.url).get(`/api/v1/markets/${market.id}/ticker`).expect(200)).body as { marketId: string; outcomes: OutcomeTicker[] };
    expect(ticker.marketId).toBe(market.id);
    expect(ticker.outcomes[0]).toMatchObject({
      outcome: 0,
      label: 'Yes',
      last: yes[0].price,
      open: yes[yes.length - 1].price,
      change: format(micros(yes[0].price) - micros(yes[yes.length - 1].price)),
      high: daily.candles[0].high,
      low: daily.candles[0].low,
      volumeShares: '50.000000',
      volumeUsdc: daily.candles[0].volumeUsdc,
      trades: 4,
    });
    expect(ticker.outcomes[1]).toMatchObject({ outcome: 1, label: 'No', last: trades.data[0].price, change: '0.000000', trades: 1 });

    // A fill older than 24 h leaves the window and becomes its open: Alice's first trade, moved two days back.
    await db(running).query(`UPDATE market_trades SET created_at = now() - interval '2 days' WHERE id = $1`, [yes[yes.length - 1].id]);
    const later = (await request(running.url).get(`/api/v1/markets/${market.id}/ticker`).expect(200)).body as { outcomes: OutcomeTicker[] };
    const inWindow = yes.slice(0, -1);
    expect(later.outcomes[0]).toMatchObject({
      last: yes[0].price,
      open: yes[yes.length - 1].price,
      change: format(micros(yes[0].price) - micros(yes[yes.length - 1].price)),
      volumeShares: '30.000000',
      volumeUsdc: format(inWindow.reduce((sum, trade) => sum + notional(trade), 0n)),
      trades: 3,
    });

    // Bad queries are 400s; an unknown market is a 404.
    const candles = (query: string) => request(running.url).get(`/api/v1/markets/${market.id}/candles?${query}`);
    expect((await candles('outcome=Yes&interval=2m').expect(400)).body.error).toBe('ValidationFailed');
    expect((await candles('outcome=Yes').expect(400)).body.error).toBe('ValidationFailed');
    expect((await candles('outcome=Yes&interval=1h&from=yesterday').expect(400)).body.error).toBe('ValidationFailed');
    const backwards = await candles('outcome=Yes&interval=1h&from=2026-11-26T00:00:00Z&to=2026-11-25T00:00:00Z').expect(400);
    expect(backwards.body).toMatchObject({ error: 'ValidationFailed', details: [{ field: 'from' }] });
    await candles('outcome=Yes&interval=1m&from=2026-10-01T00:00:00Z&to=2026-11-01T00:00:00Z').expect(400);
    expect((await candles('outcome=Maybe&interval=1h').expect(400)).body.error).toBe('UnknownOutcome');
    await request(running.url).get('/api/v1/markets/00000000-0000-4000-8000-000000000000/candles?outcome=Yes&interval=1h').expect(404);
    await request(running.url).get('/api/v1/markets/00000000-0000-4000-8000-000000000000/ticker').expect(404);
  });
});
