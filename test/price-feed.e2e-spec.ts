import Redis from 'ioredis';
import request from 'supertest';
import { REDIS } from '../src/redis/redis.module';
import { BackpackStream } from '../src/trades/feed/backpack-stream';
import { PriceFeedStale } from '../src/trades/feed/feed-errors';
import { PerpCandles } from '../src/trades/feed/perp-candles.service';
import { PerpPrices, quotesKey } from '../src/trades/feed/perp-prices';
import type { PriceQuote } from '../src/trades/feed/price-quote';
import { PriceFeedService } from '../src/trades/feed/price-feed.service';
import { ScriptedBackpack, startScriptedBackpack } from './support/scripted-backpack';
import { closeSockets, collect, connectSocket, eventually, nextEvent, request as ask, sleep } from './support/sockets';
import { RunningApp, startTestApp } from './support/test-app';

type Ack = { ok: boolean; error?: string; message?: string; snapshot?: unknown };

/** Symbols of this run only: candles are stored in the shared test database. */
const RUN = Date.now().toString(36).toUpperCase();
const BTC = `BTC${RUN}_USDC_PERP`;
const SOL = `SOL${RUN}_USDC_PERP`;
const STALE_MS = 1500;

describe('price feed from Backpack (e2e)', () => {
  let backpack: ScriptedBackpack;
  /** Runs the feed (APP_ROLE all). */
  let leader: RunningApp;
  /** Another instance that never leads (APP_ROLE api): it sees prices only through Redis. */
  let reader: RunningApp;
  let readerQuotes: PriceQuote[];

  const stream = () => leader.app.get(PriceFeedService).activeSource as BackpackStream;
  const latestOnReader = (symbol: string) => reader.app.get(PerpPrices).latest(symbol);

  beforeAll(async () => {
    backpack = await startScriptedBackpack();
    const env = {
      PRICE_FEED: 'backpack',
      PRICE_FEED_ENABLED: 'true',
      BACKPACK_WS_URL: backpack.url,
      PERP_SYMBOLS: `${BTC},${SOL}`,
      FEED_STALE_MS: String(STALE_MS),
      FEED_LEASE_MS: '1500',
      // Quotes, leases and the Socket.IO adapter of this suite alone.
      REDIS_KEY_PREFIX: `${process.env.REDIS_KEY_PREFIX ?? 'cm-test'}-feed-${RUN}`,
    };
    leader = await startTestApp(env);
    reader = await startTestApp({ ...env, APP_ROLE: 'api' });
    readerQuotes = [];
    reader.app.get(PerpPrices).onQuote((quote) => readerQuotes.push(quote));
  });

  afterEach(() => closeSockets());

  afterAll(async () => {
    const redis = leader.app.get<Redis>(REDIS);
    await redis.del(quotesKey(leader.config.redisKeyPrefix));
    await Promise.all([leader.close(), reader.close()]);
    await backpack.close();
  });

  it('subscribes to bookTicker of every symbol and hands quotes to PerpPrices on another instance', async () => {
    expect(await backpack.subscribed(1)).toEqual([`bookTicker.${BTC}`, `bookTicker.${SOL}`]);
    expect(leader.app.get(PriceFeedService).isLeader).toBe(true);
    expect(reader.app.get(PriceFeedService).isLeader).toBe(false);

    backpack.send(BTC, { bid: '97000.1', ask: '97000.2', updateId: 10 });
    backpack.send(SOL, { bid: '180.01', ask: '180.04', updateId: 5 });
    await eventually(() => expect(latestOnReader(BTC)).toMatchObject({ symbol: BTC, bid: '97000.1', ask: '97000.2', bidSize: '2.5', askSize: '1.5', updateId: 10 }));
    await eventually(() => expect(latestOnReader(SOL)).toMatchObject({ bid: '180.01', updateId: 5 }));
    expect(reader.app.get(PerpPrices).isStale(BTC)).toBe(false);
    expect(reader.app.get(PerpPrices).freshQuote(BTC)).toMatchObject({ updateId: 10 });
  });

  it('drops an update whose u is not newer, and malformed frames, and carries on', async () => {
    const before = { ...stream().stats };
    backpack.send(BTC, { bid: '1.1', ask: '1.2', updateId: 10 });
    backpack.send(BTC, { bid: '1.1', ask: '1.2', updateId: 9 });
    backpack.sendRaw('{"stream":"bookTicker.' + BTC + '","data":{"s":"' + BTC + '","a":1}}');
    backpack.sendRaw('not json at all');
    backpack.send(BTC, { bid: '97001.1', ask: '97001.3', updateId: 11 });
    await eventually(() => expect(latestOnReader(BTC)).toMatchObject({ updateId: 11, bid: '97001.1' }));
    expect(stream().stats.outOfOrder - before.outOfOrder).toBe(2);
    expect(stream().stats.malformed - before.malformed).toBe(2);
    expect(readerQuotes.filter((quote) => quote.symbol === BTC).map((quote) => quote.updateId)).toEqual([10, 11]);
  });

  it('answers the server’s pings', async () => {
    const pongs = backpack.pongs;
    backpack.ping();
    await eventually(() => expect(backpack.pongs).toBe(pongs + 1));
  });

  it('reconnects after a drop and subscribes again', async () => {
    const connections = backpack.connections;
    const subscribes = backpack.subscriptions.length;
    backpack.dropConnections();
    expect(await backpack.subscribed(subscribes + 1)).toEqual([`bookTicker.${BTC}`, `bookTicker.${SOL}`]);
    expect(backpack.connections).toBe(connections + 1);
    backpack.send(BTC, { bid: '97002.1', ask: '97002.2', updateId: 12 });
    await eventually(() => expect(latestOnReader(BTC)).toMatchObject({ updateId: 12 }));
  });

  it('turns a symbol stale after FEED_STALE_MS without updates, and fresh again with the next one', async () => {
    backpack.send(SOL, { bid: '180.1', ask: '180.2' });
    await eventually(() => expect(latestOnReader(SOL)).toMatchObject({ bid: '180.1' }));
    const prices = reader.app.get(PerpPrices);
    expect(prices.isStale(SOL)).toBe(false);
    await sleep(STALE_MS + 200);
    expect(prices.isStale(SOL)).toBe(true);
    expect(() => prices.freshQuote(SOL)).toThrow(PriceFeedStale);
    const stale = await request(reader.url).get(`/api/v1/perps/${SOL}/ticker`).expect(200);
    expect(stale.body).toMatchObject({ symbol: SOL, stale: true });

    backpack.send(SOL, { bid: '180.3', ask: '180.4' });
    await eventually(() => expect(prices.isStale(SOL)).toBe(false));
    expect(prices.freshQuote(SOL)).toMatchObject({ bid: '180.3' });
    expect(() => prices.freshQuote('DOGE_USDC_PERP')).toThrow(expect.objectContaining({ status: 404, error: 'UnknownSymbol' }));
  });

  it('stores candles of exact mids, with the volume traded here, and serves them and the ticker', async () => {
    // The quotes and the volume below must land in one 5-minute bucket (every longer interval is a multiple of it).
    const intoBucket = 300_000 - (Date.now() % 300_000);
    if (intoBucket < 3000) await sleep(intoBucket + 100);
    backpack.send(BTC, { bid: '97003.1', ask: '97003.2' });
    backpack.send(BTC, { bid: '97005.1', ask: '97005.4' });
    await eventually(() => expect(latestOnReader(BTC)).toMatchObject({ bid: '97005.1' }));
    await reader.app.get(PerpCandles).recordVolume(BTC, '1520.5', Date.now());
    await reader.app.get(PerpCandles).recordVolume(BTC, '0.25', Date.now());

    await eventually(async () => {
      const { body } = await request(reader.url).get(`/api/v1/perps/${BTC}/candles?interval=1m`).expect(200);
      expect(body).toMatchObject({ symbol: BTC, interval: '1m' });
      const last = body.candles[body.candles.length - 1];
      expect(last).toMatchObject({ close: '97005.25', volume: '1520.75' });
      expect(Date.parse(last.closeTime) - Date.parse(last.openTime)).toBe(60_000);
      expect(Number(last.high)).toBeGreaterThanOrEqual(97005.25);
    }, 5000);

    for (const interval of ['5m', '15m', '1h', '4h', '1d']) {
      await eventually(async () => {
        const { body } = await request(reader.url).get(`/api/v1/perps/${BTC}/candles?interval=${interval}&limit=1`).expect(200);
        expect(body.candles).toEqual([expect.objectContaining({ close: '97005.25', volume: '1520.75' })]);
      }, 5000);
    }
    const since = await request(reader.url).get(`/api/v1/perps/${BTC}/candles?from=${Date.now() - 3_600_000}&to=${new Date(Date.now() + 60_000).toISOString()}`).expect(200);
    expect(since.body.candles.length).toBeGreaterThanOrEqual(1);
    const none = await request(reader.url).get(`/api/v1/perps/${BTC}/candles?to=2020-01-01T00:00:00Z`).expect(200);
    expect(none.body.candles).toEqual([]);

    const ticker = await request(reader.url).get(`/api/v1/perps/${BTC}/ticker`).expect(200);
    expect(ticker.body).toMatchObject({ symbol: BTC, last: '97005.25', bid: '97005.1', ask: '97005.4', volume24h: '1520.75', stale: false });
    expect(Number(ticker.body.high24h)).toBeGreaterThanOrEqual(97005.25);
    expect(ticker.body.changePercent24h).toMatch(/^-?\d+\.\d{2}$/);
  });

  it('answers bad input with a clear 400 and an unknown symbol with 404', async () => {
    for (const query of ['interval=2m', 'limit=0', 'limit=1001', 'limit=abc', 'from=yesterday', 'to=2026-13-01T00:00:00Z', 'from=1e12']) {
      const { body } = await request(reader.url).get(`/api/v1/perps/${BTC}/candles?${query}`).expect(400);
      expect(body).toMatchObject({ statusCode: 400, error: 'ValidationFailed' });
    }
    const reversed = await request(reader.url).get(`/api/v1/perps/${BTC}/candles?from=2026-11-25T12:00:00Z&to=2026-11-25T11:00:00Z`).expect(400);
    expect(reversed.body.message).toBe('from must not be later than to');
    for (const path of ['candles', 'ticker']) {
      const { body } = await request(reader.url).get(`/api/v1/perps/DOGE_USDC_PERP/${path}`).expect(404);
      expect(body).toMatchObject({ error: 'UnknownSymbol', message: 'Unknown perp symbol DOGE_USDC_PERP' });
    }
  });

  it('streams ticker:<symbol> (at most 10 a second) and candles:<symbol>:<interval> through Socket.IO on any instance', async () => {
    const socket = await connectSocket(reader);
    const ack = await ask<Ack>(socket, 'subscribe', { channel: `ticker:${BTC}` });
    expect(ack).toMatchObject({ ok: true, snapshot: { symbol: BTC, last: expect.any(String), stale: expect.any(Boolean) } });
    const tickers = collect<{ symbol: string; last: string; bid: string }>(socket, 'ticker');

    const started = Date.now();
    for (let i = 0; i < 40; i += 1) {
      backpack.send(BTC, { bid: `97100.${i + 10}`, ask: `97100.${i + 30}` });
      await sleep(10);
    }
    await eventually(() => expect(tickers[tickers.length - 1]).toMatchObject({ symbol: BTC, bid: '97100.49', last: '97100.59' }));
    const elapsed = Date.now() - started;
    expect(tickers.length).toBeLessThanOrEqual(Math.ceil(elapsed / 100) + 1);
    expect(tickers.length).toBeGreaterThanOrEqual(2);

    await expect(ask<Ack>(socket, 'subscribe', { channel: `candles:${BTC}:1m` })).resolves.toMatchObject({ ok: true });
    const candle = nextEvent<{ symbol: string; interval: string; close: string }>(socket, 'candle', 5000);
    backpack.send(BTC, { bid: '97200.1', ask: '97200.3' });
    await expect(candle).resolves.toMatchObject({ symbol: BTC, interval: '1m', close: expect.any(String) });

    await expect(ask<Ack>(socket, 'subscribe', { channel: 'ticker:DOGE_USDC_PERP' })).resolves.toEqual({ ok: false, error: 'unknown channel', message: 'Unknown perp symbol DOGE_USDC_PERP' });
    await expect(ask<Ack>(socket, 'subscribe', { channel: `candles:${BTC}:2m` })).resolves.toMatchObject({ ok: false, error: 'unknown channel' });
  });
});

describe('price feed from the simulator, across a leader change (e2e)', () => {
  const SYMBOL = `SIM${RUN}_USDC_PERP`;
  let first: RunningApp;
  let second: RunningApp;

  beforeAll(async () => {
    const env = {
      PRICE_FEED: 'simulator',
      PRICE_FEED_ENABLED: 'true',
      PRICE_FEED_SEED: 'e2e',
      PRICE_FEED_INTERVAL_MS: '50',
      PERP_SYMBOLS: SYMBOL,
      FEED_LEASE_MS: '600',
      REDIS_KEY_PREFIX: `${process.env.REDIS_KEY_PREFIX ?? 'cm-test'}-sim-${RUN}`,
    };
    first = await startTestApp(env);
    await eventually(() => expect(first.app.get(PriceFeedService).isLeader).toBe(true));
    second = await startTestApp(env);
  });

  afterAll(async () => {
    await second.app.get<Redis>(REDIS).del(quotesKey(second.config.redisKeyPrefix));
    await Promise.all([firstClosed ?? first.close(), second.close()]);
  });

  let firstClosed: Promise<void> | undefined;

  it('runs on one instance; the next leader continues the prices and update ids where the last one stopped', async () => {
    await eventually(() => expect(second.app.get(PerpPrices).latest(SYMBOL)?.updateId).toBeGreaterThan(3));
    expect(second.app.get(PriceFeedService).isLeader).toBe(false);
    firstClosed = first.close();
    await firstClosed;
    const before = second.app.get(PerpPrices).latest(SYMBOL)!;
    await eventually(() => expect(second.app.get(PriceFeedService).isLeader).toBe(true), 5000);
    await eventually(() => expect(second.app.get(PerpPrices).latest(SYMBOL)!.updateId).toBeGreaterThan(before.updateId + 2));
    const after = second.app.get(PerpPrices).latest(SYMBOL)!;
    // A continuation, not a restart at the start price: within a few steps' moves of where the first leader stopped.
    expect(Math.abs(Number(after.bid) - Number(before.bid)) / Number(before.bid)).toBeLessThan(0.01);
    const { body } = await request(second.url).get(`/api/v1/perps/${SYMBOL}/ticker`).expect(200);
    expect(body).toMatchObject({ symbol: SYMBOL, stale: false });
  });
});
