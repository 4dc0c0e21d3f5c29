import request from 'supertest';
import { DataSource } from 'typeorm';
import { PriceFeedService } from '../src/trades/feed/price-feed.service';
import { createAdmin } from './support/ledger';
import { ScriptedBackpack, startScriptedBackpack } from './support/scripted-backpack';
import { eventually, sleep } from './support/sockets';
import { RunningApp, startTestApp } from './support/test-app';
import { createTestUser, TestUser } from './support/users';

/** Symbols of this run only: the catalogue and candles live in the shared test database. */
const RUN = Date.now().toString(36).toUpperCase();
const BTC = `BTC${RUN}_USDC_PERP`;
const ETH = `ETH${RUN}_USDC_PERP`;
const STALE_MS = 1500;
const DAY = 86_400_000;
const FIELDS = ['symbol', 'bid', 'ask', 'mark', 'maxLeverage', 'takerFeeBps', 'maintenanceMarginBps', 'minMargin', 'halted', 'stale', 'updatedAt'];

type Listing = { symbol: string; bid: string | null; ask: string | null; mark: string | null; maxLeverage: number; halted: boolean; stale: boolean; updatedAt: string | null };

describe('perps list, catalogue admin and feed metrics (e2e)', () => {
  let backpack: ScriptedBackpack;
  /** Runs the feed (APP_ROLE all). */
  let leader: RunningApp;
  /** Never leads (APP_ROLE api): it sees prices through Redis and the catalogue through PostgreSQL. */
  let reader: RunningApp;
  let admin: TestUser;
  let user: TestUser;
  const oldMinute = Math.floor((Date.now() - 40 * DAY) / 60_000) * 60_000;
  const oldHour = Math.floor((Date.now() - 40 * DAY) / 3_600_000) * 3_600_000;

  const listed = async (running: RunningApp, symbol: string): Promise<Listing> => {
    const { body } = await request(running.url).get('/api/v1/perps').expect(200);
    const row = (body as Listing[]).find((entry) => entry.symbol === symbol);
    if (!row) throw new Error(`${symbol} is not listed`);
    return row;
  };
  const metrics = async () => (await request(leader.url).get('/metrics').expect(200)).text;
  const metricValue = (text: string, line: string) => {
    const found = text.split('\n').find((entry) => entry.startsWith(`${line} `));
    return found === undefined ? undefined : found.slice(line.length + 1);
  };

  beforeAll(async () => {
    backpack = await startScriptedBackpack();
    const env = {
      PRICE_FEED: 'backpack',
      PRICE_FEED_ENABLED: 'true',
      BACKPACK_WS_URL: backpack.url,
      PERP_SYMBOLS: `${BTC},${ETH}`,
      FEED_STALE_MS: String(STALE_MS),
      FEED_LEASE_MS: '1500',
      REDIS_KEY_PREFIX: `${process.env.REDIS_KEY_PREFIX ?? 'cm-test'}-catalog-${RUN}`,
    };
    reader = await startTestApp({ ...env, APP_ROLE: 'api' });
    // 40-day-old candles before the leader starts: it prunes the 1m one on takeover and keeps the 1h one.
    const insert = `INSERT INTO perp_candles (symbol, interval, open_time, open, high, low, close) VALUES ($1, $2, $3, 1, 1, 1, 1)`;
    await reader.app.get(DataSource).query(insert, [BTC, '1m', new Date(oldMinute)]);
    await reader.app.get(DataSource).query(insert, [BTC, '1h', new Date(oldHour)]);
    leader = await startTestApp(env);
    admin = await createAdmin(reader);
    user = await createTestUser(reader);
    await backpack.subscribed(1);
  });

  afterAll(async () => {
    await Promise.all([leader?.close(), reader?.close()]);
    await backpack?.close();
  });

  it('lists every catalogue symbol with its rules, prices null before the first quote', async () => {
    const { body } = await request(reader.url).get('/api/v1/perps').expect(200);
    expect(Array.isArray(body)).toBe(true);
    const symbols = (body as Listing[]).map((entry) => entry.symbol);
    expect(symbols).toEqual([...symbols].sort());
    expect(symbols).toEqual(expect.arrayContaining([BTC, ETH]));
    const eth = (body as Listing[]).find((entry) => entry.symbol === ETH)!;
    expect(Object.keys(eth).sort()).toEqual([...FIELDS].sort());
    expect(eth).toEqual({ symbol: ETH, bid: null, ask: null, mark: null, maxLeverage: 100, takerFeeBps: 5, maintenanceMarginBps: 50, minMargin: '1.000000', halted: false, stale: true, updatedAt: null });
  });

  it('shows a quote from the feed on any instance, with the exact mid as mark, and turns stale without updates', async () => {
    const before = Date.now();
    backpack.send(BTC, { bid: '97000.1', ask: '97000.4' });
    await eventually(async () => expect(await listed(reader, BTC)).toMatchObject({ bid: '97000.1', ask: '97000.4', mark: '97000.25', stale: false }));
    const row = await listed(leader, BTC);
    expect(row).toMatchObject({ bid: '97000.1', mark: '97000.25', stale: false });
    expect(Date.parse(row.updatedAt!)).toBeGreaterThanOrEqual(before);
    expect(row.updatedAt).toBe(new Date(Date.parse(row.updatedAt!)).toISOString());

    await sleep(STALE_MS + 200);
    expect(await listed(reader, BTC)).toMatchObject({ bid: '97000.1', mark: '97000.25', stale: true, updatedAt: row.updatedAt });
    backpack.send(BTC, { bid: '97001', ask: '97001.2' });
    await eventually(async () => expect(await listed(reader, BTC)).toMatchObject({ mark: '97001.1', stale: false }));
  });

  it('shows an admin change (halted, maxLeverage) in the list, at once where it was made and within the cache TTL elsewhere', async () => {
    const { body } = await request(reader.url).patch(`/api/v1/admin/perps/${ETH}`).set(admin.auth).send({ halted: true, maxLeverage: 20 }).expect(200);
    expect(body).toMatchObject({ symbol: ETH, halted: true, maxLeverage: 20 });
    expect(await listed(reader, ETH)).toMatchObject({ halted: true, maxLeverage: 20 });
    await eventually(async () => expect(await listed(leader, ETH)).toMatchObject({ halted: true, maxLeverage: 20 }), 5000);
    await request(reader.url).patch(`/api/v1/admin/perps/${ETH}`).set(admin.auth).send({ halted: false }).expect(200);
    expect(await listed(reader, ETH)).toMatchObject({ halted: false, maxLeverage: 20 });
  });

  it('refuses a bad PATCH with 400, an unknown symbol with 404, and non-admins with 401/403', async () => {
    const patch = (body: unknown, symbol = ETH) => request(reader.url).patch(`/api/v1/admin/perps/${symbol}`).set(admin.auth).send(body as object);
    const cases: [unknown, RegExp][] = [
      [{ maxLeverage: null }, /maxLeverage must not be null/],
      [{ halted: null }, /halted must not be null/],
      [{ maxLeverage: 0 }, /maxLeverage/],
      [{ maxLeverage: 1001 }, /maxLeverage/],
      [{ maxLeverage: 2.5 }, /maxLeverage/],
      [{ takerFeeBps: -1 }, /takerFeeBps/],
      [{ maintenanceMarginBps: 5001 }, /maintenanceMarginBps/],
      [{ minMargin: 'ten' }, /minMargin/],
      [{ halted: 'yes' }, /halted/],
      [{ maxLeverage: 500, maintenanceMarginBps: 50 }, /must stay below 10000/],
      [{ fundingRate: 1 }, /fundingRate/],
    ];
    for (const [body, message] of cases) {
      const response = await patch(body).expect(400);
      expect(response.body).toMatchObject({ statusCode: 400, error: 'ValidationFailed' });
      expect(JSON.stringify(response.body)).toMatch(message);
    }
    expect((await patch({ halted: true }, 'DOGE_USDC_PERP').expect(404)).body).toMatchObject({ error: 'UnknownSymbol' });
    await request(reader.url).patch(`/api/v1/admin/perps/${ETH}`).send({ halted: true }).expect(401);
    await request(reader.url).patch(`/api/v1/admin/perps/${ETH}`).set(user.auth).send({ halted: true }).expect(403);
    expect(await listed(reader, ETH)).toMatchObject({ halted: false, maxLeverage: 20 });
  });

  it('reports the feed on /metrics: quotes, drops, reconnects, seconds since the last quote, candle flushes, pruning', async () => {
    const quotes = Number(metricValue(await metrics(), `perp_feed_quotes_total{symbol="${BTC}"}`) ?? 0);
    const u = backpack.send(BTC, { bid: '97002', ask: '97002.2' });
    backpack.send(BTC, { bid: '97002', ask: '97002.2', updateId: u });
    backpack.sendRaw('not json at all');
    await eventually(async () => {
      const text = await metrics();
      expect(Number(metricValue(text, `perp_feed_quotes_total{symbol="${BTC}"}`))).toBe(quotes + 1);
      expect(Number(metricValue(text, 'perp_feed_quotes_dropped_total{reason="not_newer"}'))).toBeGreaterThanOrEqual(1);
      expect(Number(metricValue(text, 'perp_feed_quotes_dropped_total{reason="malformed"}'))).toBeGreaterThanOrEqual(1);
    });
    const connections = backpack.connections;
    backpack.dropConnections();
    await eventually(() => expect(backpack.connections).toBe(connections + 1));
    await eventually(async () => {
      const text = await metrics();
      expect(Number(metricValue(text, 'perp_feed_reconnects_total'))).toBeGreaterThanOrEqual(1);
      expect(Number(metricValue(text, 'perp_feed_candle_flush_seconds_count{result="stored"}'))).toBeGreaterThanOrEqual(1);
      expect(metricValue(text, 'perp_feed_candle_flush_seconds_bucket{le="0.1",result="stored"}')).toBeDefined();
    });
    const text = await metrics();
    const seconds = Number(metricValue(text, `perp_feed_seconds_since_last_quote{symbol="${BTC}"}`));
    expect(seconds).toBeGreaterThanOrEqual(0);
    expect(seconds).toBeLessThan(10);
    expect(metricValue(text, `perp_feed_seconds_since_last_quote{symbol="${ETH}"}`)).toBe('+Inf');
    // The reader's own view of the same quotes.
    const readerText = (await request(reader.url).get('/metrics').expect(200)).text;
    expect(Number(metricValue(readerText, `perp_feed_seconds_since_last_quote{symbol="${BTC}"}`))).toBeLessThan(10);
    expect(Number(metricValue(text, 'perp_candles_pruned_total{interval="1m"}'))).toBeGreaterThanOrEqual(1);
  });

  it('prunes 1m candles past CANDLE_1M_RETENTION_DAYS on takeover and keeps longer intervals', async () => {
    const rows = (await reader.app.get(DataSource).query(`SELECT interval FROM perp_candles WHERE symbol = $1 AND open_time < $2 ORDER BY interval`, [
      BTC,
      new Date(Date.now() - 30 * DAY),
    ])) as { interval: string }[];
    expect(rows).toEqual([{ interval: '1h' }]);
  });

  it('fences the candle upsert: once a newer token claims the candles the leader writes nothing, steps down, and leads again with a larger token', async () => {
    const dataSource = reader.app.get(DataSource);
    const feed = `${leader.config.redisKeyPrefix}:perps:feed-leader`;
    const [{ token }] = (await dataSource.query(`SELECT token::int AS token FROM perp_feed_leader WHERE feed = $1`, [feed])) as { token: number }[];
    // A leader with a much newer token claimed the candles (as after a takeover whose Redis counter ran ahead).
    const newer = token + 1000;
    await dataSource.query(`UPDATE perp_feed_leader SET token = $2 WHERE feed = $1`, [feed, newer]);
    const fencedBefore = Number(metricValue(await metrics(), 'perp_feed_candle_flush_seconds_count{result="fenced"}') ?? 0);
    backpack.send(BTC, { bid: '96000.1', ask: '96000.2' });
    await eventually(async () => expect(Number(metricValue(await metrics(), 'perp_feed_candle_flush_seconds_count{result="fenced"}'))).toBe(fencedBefore + 1));
    const closeAt = async (at: number) =>
      ((await dataSource.query(`SELECT close::text AS close FROM perp_candles WHERE symbol = $1 AND interval = '1m' AND open_time = $2`, [BTC, new Date(Math.floor(at / 60_000) * 60_000)])) as { close: string }[])[0]?.close;
    expect(await closeAt(Date.now())).not.toBe('96000.15');

    // The leader draws a token past the stored one (raising the Redis counter) and claims the candles again.
    await eventually(async () => {
      const [row] = (await dataSource.query(`SELECT token::int AS token FROM perp_feed_leader WHERE feed = $1`, [feed])) as { token: number }[];
      expect(row.token).toBeGreaterThan(newer);
      expect(leader.app.get(PriceFeedService).isLeader).toBe(true);
    }, 10_000);
    await eventually(async () => {
      const sentAt = Date.now();
      backpack.send(BTC, { bid: '96100.1', ask: '96100.2', time: sentAt });
      await sleep(1200);
      expect((await listed(reader, BTC)).mark).toBe('96100.15');
      expect(await closeAt(sentAt)).toBe('96100.15');
    }, 10_000);
  });
});
