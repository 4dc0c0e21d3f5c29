import request from 'supertest';
import { VenueEngine } from '../src/engine/venue-engine.service';
import { PerpPrices } from '../src/trades/feed/perp-prices';
import { PerpSymbols } from '../src/trades/perp-symbols.service';
import { balancesOf, createAdmin, createFundedUser, reconcile } from './support/ledger';
import { idempotencyKey, waitFor } from './support/rounds';
import { ScriptedBackpack, startScriptedBackpack } from './support/scripted-backpack';
import { eventually } from './support/sockets';
import { RunningApp, startTestApp } from './support/test-app';
import type { TestUser } from './support/users';

/** Symbols of this run only: the catalogue lives in the shared test database. */
const RUN = Date.now().toString(36).toUpperCase();
const KEPT = `BTC${RUN}_USDC_PERP`;
const GONE = `SOL${RUN}_USDC_PERP`;
/** Well under ENGINE_REPLY_TIMEOUT_MS: an answer this fast did not wait for a leader that never comes. */
const PROMPT_MS = 1500;

/**
 * A symbol removed from PERP_SYMBOLS while users still hold positions and orders on it (its perp_markets row stays):
 * new positions and orders on it are 404 UnknownSymbol at once; what is open stays readable and closable (its shard
 * keeps running and the feed keeps following it until nothing is open), and its pending orders are cancelled.
 */
describe('Perps on a symbol removed from PERP_SYMBOLS (e2e)', () => {
  let backpack: ScriptedBackpack;
  let before: RunningApp | undefined;
  let after: RunningApp;
  let admin: TestUser;
  let user: TestUser;
  let positionId: string;
  let orderId: string;

  const env = () => ({
    PRICE_FEED_ENABLED: 'true',
    PRICE_FEED: 'backpack',
    BACKPACK_WS_URL: backpack.url,
    FEED_STALE_MS: '1500',
    STARTING_BALANCE: '1000',
    ENGINE_REPLY_TIMEOUT_MS: '6000',
    PERP_WIND_DOWN_ENABLED: 'true',
    REDIS_KEY_PREFIX: `${process.env.REDIS_KEY_PREFIX ?? 'cm-test'}-delisted-${RUN}`,
  });
  const post = (running: RunningApp, path: string, body: object) => request(running.url).post(path).set(user.auth).set('Idempotency-Key', idempotencyKey()).send(body);
  const timed = async <T>(work: Promise<T>): Promise<{ value: T; ms: number }> => {
    const startedAt = performance.now();
    const value = await work;
    return { value, ms: performance.now() - startedAt };
  };
  async function quote(running: RunningApp, symbol: string, bid: string, ask: string): Promise<void> {
    let sentAt = 0;
    await waitFor(`quote ${symbol} ${bid}/${ask}`, async () => {
      const prices = running.app.get(PerpPrices);
      if (prices.latest(symbol)?.bid === bid && !prices.isStale(symbol)) return true;
      if (Date.now() - sentAt > 250) {
        backpack.send(symbol, { bid, ask });
        sentAt = Date.now();
      }
      return false;
    });
  }

  beforeAll(async () => {
    backpack = await startScriptedBackpack();
    before = await startTestApp({ ...env(), PERP_SYMBOLS: `${KEPT},${GONE}` });
    admin = await createAdmin(before);
    user = await createFundedUser(before);
    await waitFor('a leader of both shards', async () => [KEPT, GONE].every((symbol) => before!.app.get(VenueEngine).isLeader('perps', symbol)), 10_000);
    await quote(before, GONE, '150', '150.1');
    positionId = (await post(before, '/api/v1/trades', { symbol: GONE, side: 'long', margin: '100', leverage: 5 }).expect(201)).body.id;
    orderId = (await post(before, '/api/v1/orders', { symbol: GONE, side: 'long', type: 'limit', price: '120', margin: '50', leverage: 2 }).expect(201)).body.id;
    await before.close();
    before = undefined;
    after = await startTestApp({ ...env(), PERP_SYMBOLS: KEPT });
  }, 60_000);

  afterEach(async () => {
    expect((await reconcile(after, admin)).ok).toBe(true);
  });

  afterAll(async () => {
    await Promise.all([before?.close(), after?.close()]);
    await backpack?.close();
  });

  it('refuses a new position or order on it at once with 404 UnknownSymbol, and trades the listed symbol as before', async () => {
    const opened = await timed(post(after, '/api/v1/trades', { symbol: GONE, side: 'long', margin: '10', leverage: 2 }));
    expect({ status: opened.value.status, error: opened.value.body.error }).toEqual({ status: 404, error: 'UnknownSymbol' });
    expect(opened.ms).toBeLessThan(PROMPT_MS);
    const placed = await timed(post(after, '/api/v1/orders', { symbol: GONE, side: 'long', type: 'limit', price: '100', margin: '10', leverage: 2 }));
    expect({ status: placed.value.status, error: placed.value.body.error }).toEqual({ status: 404, error: 'UnknownSymbol' });
    expect(placed.ms).toBeLessThan(PROMPT_MS);
    await quote(after, KEPT, '97000', '97000.5');
    const kept = await post(after, '/api/v1/trades', { symbol: KEPT, side: 'short', margin: '10', leverage: 2 }).expect(201);
    await post(after, `/api/v1/trades/${kept.body.id}/close`, {}).expect(200);
    const { body } = await request(after.url).get('/api/v1/perps').expect(200);
    expect((body as { symbol: string }[]).map((row) => row.symbol)).toContain(KEPT);
    expect((body as { symbol: string }[]).map((row) => row.symbol)).not.toContain(GONE);
  });

  it('cancels its pending order (it could never fill), releasing the hold', async () => {
    await eventually(async () => {
      const { body } = await request(after.url).get('/api/v1/orders').set(user.auth).expect(200);
      expect((body.data as { id: string; status: string }[]).find((order) => order.id === orderId)).toMatchObject({ status: 'cancelled' });
    }, 10_000);
    // Only the position's margin stays locked.
    expect(await balancesOf(after, user)).toMatchObject({ USDC: { locked: '100.000000' } });
  });

  it('keeps its open position readable; a close without a fresh quote is 503 PriceFeedStale at once, and with one it closes at the bid', async () => {
    expect((await request(after.url).get(`/api/v1/trades/${positionId}`).set(user.auth).expect(200)).body).toMatchObject({ symbol: GONE, status: 'open' });
    await waitFor('a leader of the removed symbol’s shard', async () => after.app.get(VenueEngine).isLeader('perps', GONE), 10_000);
    await waitFor('the old quote gone stale', async () => after.app.get(PerpPrices).isStale(GONE), 5000, 50);
    const stale = await timed(post(after, `/api/v1/trades/${positionId}/close`, {}));
    expect({ status: stale.value.status, error: stale.value.body.error }).toEqual({ status: 503, error: 'PriceFeedStale' });
    expect(stale.ms).toBeLessThan(PROMPT_MS);

    // The feed still follows it while something is open on it.
    expect(backpack.subscriptions.at(-1)).toEqual(expect.arrayContaining([`bookTicker.${KEPT}`, `bookTicker.${GONE}`]));
    await quote(after, GONE, '160', '160.1');
    const closed = await post(after, `/api/v1/trades/${positionId}/close`, {}).expect(200);
    expect(closed.body).toMatchObject({ status: 'closed', closeReason: 'user', exitPrice: '160.00000000', closeFee: '0.250000' });
    expect(await balancesOf(after, user)).toMatchObject({ USDC: { locked: '0.000000' } });

    // Nothing open on it any more: its shard stops at the next look (every 30 s; asked now here), and a retry of the close is 409 at once.
    await after.app.get(PerpSymbols).refresh();
    await waitFor('the removed symbol’s shard to stop', async () => !after.app.get(VenueEngine).isLeader('perps', GONE), 10_000);
    const retried = await timed(request(after.url).post(`/api/v1/trades/${positionId}/close`).set(user.auth).set('Idempotency-Key', idempotencyKey()).send({}));
    expect({ status: retried.value.status, error: retried.value.body.error }).toEqual({ status: 409, error: 'PositionClosed' });
    expect(retried.ms).toBeLessThan(PROMPT_MS);
  });
});
