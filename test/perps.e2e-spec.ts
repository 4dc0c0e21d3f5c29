import type { Socket } from 'socket.io-client';
import request from 'supertest';
import { PerpPrices } from '../src/trades/feed/perp-prices';
import { balancesOf, createAdmin, createFundedUser, reconcile } from './support/ledger';
import { idempotencyKey, waitFor } from './support/rounds';
import { startScriptedBackpack, ScriptedBackpack } from './support/scripted-backpack';
import { closeSockets, collect, connectSocket, eventually, nextEvent } from './support/sockets';
import { RunningApp, startTestApp } from './support/test-app';
import type { TestUser } from './support/users';

const BTC = 'BTC_USDC_PERP';

/**
 * Live markets through HTTP and Socket.IO, with prices from a scripted Backpack server: both sides, each trigger
 * kind, a gap through a stop, a liquidation, pending orders and expiry, slippage, a stale feed, an idempotent
 * retry. The ledger reconciles after every test.
 */
describe('Perps (e2e)', () => {
  let backpack: ScriptedBackpack;
  let running: RunningApp;
  let admin: TestUser;

  /** Sends a quote and waits until this instance's board has it (the leader ticks on it meanwhile). */
  async function quote(bid: string, ask: string): Promise<void> {
    let sentAt = 0;
    await waitFor(`quote ${bid}/${ask}`, async () => {
      const latest = running.app.get(PerpPrices).latest(BTC);
      if (latest !== null && latest.bid === bid && latest.ask === ask && !running.app.get(PerpPrices).isStale(BTC)) return true;
      // Again now and then: a frame sent before the feed (re)connected is lost, as on the exchange.
      if (Date.now() - sentAt > 250) {
        backpack.send(BTC, { bid, ask });
        sentAt = Date.now();
      }
      return false;
    });
  }

  const post = (user: TestUser, path: string, body: object, key = idempotencyKey()) => request(running.url).post(path).set(user.auth).set('Idempotency-Key', key).send(body);
  const position = async (user: TestUser, id: string) => (await request(running.url).get(`/api/v1/trades/${id}`).set(user.auth).expect(200)).body;

  async function playerWithSocket(): Promise<{ user: TestUser; socket: Socket }> {
    const user = await createFundedUser(running);
    const socket = await connectSocket(running, { auth: { token: user.token } });
    return { user, socket };
  }

  beforeAll(async () => {
    backpack = await startScriptedBackpack();
    running = await startTestApp({
      PRICE_FEED_ENABLED: 'true',
      PRICE_FEED: 'backpack',
      BACKPACK_WS_URL: backpack.url,
      PERP_SYMBOLS: `${BTC},ETH_USDC_PERP`,
      FEED_STALE_MS: '1500',
      STARTING_BALANCE: '1000',
    });
    admin = await createAdmin(running);
    await backpack.subscribed();
    await quote('65000', '65010');
  }, 60_000);

  afterEach(async () => {
    closeSockets();
    expect((await reconcile(running, admin)).ok).toBe(true);
  });

  afterAll(async () => {
    await running?.close();
    await backpack?.close();
  });

  it('opens a long at the ask and closes it at the bid; the player hears position:update and balance:update', async () => {
    await quote('65000', '65010');
    const { user, socket } = await playerWithSocket();
    const updates = collect<{ kind: string; status: string }>(socket, 'position:update');
    const balances = collect<{ available: string; locked: string }>(socket, 'balance:update');
    const opened = await post(user, '/api/v1/trades', { symbol: BTC, side: 'long', margin: '100', leverage: 10 }).expect(201);
    expect(opened.body).toMatchObject({ status: 'open', entryPrice: '65010.00000000', openFee: '0.500000', notional: '1000.000000', markPrice: '65005.00000000', unrealizedPnl: '-0.153823' });
    expect(await balancesOf(running, user)).toMatchObject({ USDC: { available: '899.500000', locked: '100.000000' } });

    await quote('66000', '66010');
    const closed = await post(user, `/api/v1/trades/${opened.body.id}/close`, {}).expect(200);
    expect(closed.body).toMatchObject({ status: 'closed', closeReason: 'user', exitPrice: '66000.00000000', realizedPnl: '15.228426', payout: '114.728426' });
    await eventually(() => expect(updates.map((update) => [update.kind, update.status])).toEqual([['perp-position', 'open'], ['perp-position', 'closed']]));
    await eventually(() => expect(balances.at(-1)).toMatchObject({ available: '1014.228426', locked: '0.000000' }));

    const listed = await request(running.url).get(`/api/v1/trades?status=closed&symbol=${BTC}`).set(user.auth).expect(200);
    expect(listed.body.data.map((row: { id: string }) => row.id)).toEqual([opened.body.id]);
    expect((await position(user, opened.body.id)).fills.map((fill: { kind: string }) => fill.kind)).toEqual(['open', 'close']);
  });

  it('a short’s take-profit fires on the crossing tick at its ask, with a notification', async () => {
    await quote('65000', '65010');
    const { user, socket } = await playerWithSocket();
    const opened = await post(user, '/api/v1/trades', { symbol: BTC, side: 'short', margin: '50', leverage: 5, takeProfit: '64000' }).expect(201);
    const notified = nextEvent<{ kind: string; data: { reason: string; positionId: string } }>(socket, 'notification');
    await quote('63890', '63900');
    const pushed = await notified;
    expect(pushed).toMatchObject({ kind: 'perp-trigger', data: { reason: 'take_profit', positionId: opened.body.id } });
    // Stored once, as the notification it pushed.
    const stored = (await request(running.url).get('/api/v1/notifications').set(user.auth).expect(200)).body;
    expect(stored).toMatchObject({ unreadCount: 1, data: [{ id: (pushed as unknown as { id: string }).id, kind: 'perp-trigger' }] });
    const closed = await position(user, opened.body.id);
    expect(closed).toMatchObject({ closeReason: 'take_profit', exitPrice: '63900.00000000' });
    expect(closed.fills[1]).toMatchObject({ kind: 'trigger', reason: 'take_profit', referencePrice: '64000.00000000', slippage: '100.00000000' });
  });

  it('a long’s stop-loss gapped through fills at the tick’s bid, the gap recorded as slippage', async () => {
    await quote('65000', '65010');
    const { user, socket } = await playerWithSocket();
    const opened = await post(user, '/api/v1/trades', { symbol: BTC, side: 'long', margin: '50', leverage: 5, stopLoss: '64000' }).expect(201);
    const notified = nextEvent<{ data: { reason: string } }>(socket, 'notification');
    await quote('63500', '63510');
    expect(await notified).toMatchObject({ data: { reason: 'stop_loss' } });
    const closed = await position(user, opened.body.id);
    expect(closed).toMatchObject({ closeReason: 'stop_loss', exitPrice: '63500.00000000' });
    expect(closed.fills[1]).toMatchObject({ reason: 'stop_loss', slippage: '500.00000000' });
  });

  it('liquidates at the tick past the liquidation price: margin to the house, nothing back, the gap recorded', async () => {
    await quote('65000', '65010');
    const { user, socket } = await playerWithSocket();
    const opened = await post(user, '/api/v1/trades', { symbol: BTC, side: 'long', margin: '100', leverage: 40 }).expect(201);
    const notified = nextEvent<{ data: { reason: string } }>(socket, 'notification');
    await quote('63000', '63010');
    expect(await notified).toMatchObject({ data: { reason: 'liquidation' } });
    const closed = await position(user, opened.body.id);
    expect(closed).toMatchObject({ closeReason: 'liquidation', payout: '0.000000', closeFee: '0.000000', exitPrice: '63000.00000000' });
    expect(Number(closed.liquidationGap)).toBeGreaterThan(0);
    expect(await balancesOf(running, user)).toMatchObject({ USDC: { available: '898.000000', locked: '0.000000' } });
  });

  it('pending orders: a limit fills on the crossing tick, an expired one releases its hold, a cancel too', async () => {
    await quote('65000', '65010');
    const { user, socket } = await playerWithSocket();
    const orders = collect<{ id: string; status: string }>(socket, 'order:update');
    const limit = await post(user, '/api/v1/orders', { symbol: BTC, side: 'long', type: 'limit', price: '64500', margin: '20', leverage: 5 }).expect(201);
    const expiring = await post(user, '/api/v1/orders', { symbol: BTC, side: 'long', type: 'limit', price: '60000', margin: '10', leverage: 5, expiresAt: new Date(Date.now() + 1500).toISOString() }).expect(201);
    const cancelled = await post(user, '/api/v1/orders', { symbol: BTC, side: 'short', type: 'stop', price: '60000', margin: '10', leverage: 5 }).expect(201);
    expect(await balancesOf(running, user)).toMatchObject({ USDC: { locked: '40.100000' } });
    await request(running.url).delete(`/api/v1/orders/${cancelled.body.id}`).set(user.auth).set('Idempotency-Key', idempotencyKey()).expect(200);

    await quote('64480', '64490');
    await eventually(() => expect(orders.filter((order) => order.id === limit.body.id).map((order) => order.status)).toEqual(['open', 'filled']));
    await eventually(() => expect(orders.filter((order) => order.id === expiring.body.id).map((order) => order.status)).toEqual(['open', 'expired']), 5000);
    const listed = (await request(running.url).get('/api/v1/orders').set(user.auth).expect(200)).body.data as { id: string; status: string; positionId: string | null }[];
    expect(Object.fromEntries(listed.map((order) => [order.id, order.status]))).toEqual({ [limit.body.id]: 'filled', [expiring.body.id]: 'expired', [cancelled.body.id]: 'cancelled' });
    const positionId = listed.find((order) => order.id === limit.body.id)!.positionId!;
    expect(await position(user, positionId)).toMatchObject({ status: 'open', entryPrice: '64490.00000000' });
    expect(await balancesOf(running, user)).toMatchObject({ USDC: { available: '979.950000', locked: '20.000000' } });
    await quote('64480', '64490');
    await post(user, `/api/v1/trades/${positionId}/close`, {}).expect(200);
  });

  it('refuses a fill beyond slippage, someone else’s trade and a closed one, and a stale feed; nothing moves', async () => {
    await quote('65000', '65010');
    const owner = await createFundedUser(running);
    const other = await createFundedUser(running);
    const theirs = await post(owner, '/api/v1/trades', { symbol: BTC, side: 'long', margin: '10', leverage: 2 }).expect(201);
    const moved = await post(other, '/api/v1/trades', { symbol: BTC, side: 'long', margin: '10', leverage: 2, quotedPrice: '64000', slippageBps: 50 }).expect(422);
    expect(moved.body).toMatchObject({ error: 'PriceMovedBeyondSlippage' });
    await post(other, `/api/v1/trades/${theirs.body.id}/close`, {}).expect(404);
    await request(running.url).get(`/api/v1/trades/${theirs.body.id}`).set(other.auth).expect(404);
    await post(other, '/api/v1/trades', { symbol: 'DOGE_USDC_PERP', side: 'long', margin: '10', leverage: 2 }).expect(404);
    await post(owner, `/api/v1/trades/${theirs.body.id}/close`, {}).expect(200);
    expect((await post(owner, `/api/v1/trades/${theirs.body.id}/close`, {}).expect(409)).body.error).toBe('PositionClosed');

    await waitFor('a stale feed', async () => running.app.get(PerpPrices).isStale(BTC), 5000, 50);
    const stale = await post(other, '/api/v1/trades', { symbol: BTC, side: 'long', margin: '10', leverage: 2 }).expect(503);
    expect(stale.body.error).toBe('PriceFeedStale');
    expect(await balancesOf(running, other)).toMatchObject({ USDC: { available: '1000.000000', locked: '0.000000' } });
  });

  it('a retry with the same Idempotency-Key answers the first position again; another body with it is 422', async () => {
    await quote('65000', '65010');
    const user = await createFundedUser(running);
    const key = idempotencyKey();
    const body = { symbol: BTC, side: 'long', margin: '10', leverage: 2 };
    const first = await post(user, '/api/v1/trades', body, key).expect(201);
    const again = await post(user, '/api/v1/trades', body, key).expect(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(first.body);
    await post(user, '/api/v1/trades', { ...body, margin: '11' }, key).expect(422);
    const open = await request(running.url).get('/api/v1/trades?status=open').set(user.auth).expect(200);
    expect(open.body.meta.total).toBe(1);
    await post(user, `/api/v1/trades/${first.body.id}/close`, {}).expect(200);
  });

  it('shows every symbol’s open interest and the house’s exposure to admins', async () => {
    await quote('65000', '65010');
    const exposure = await request(running.url).get('/api/v1/admin/perps/exposure').set(admin.auth).expect(200);
    expect(exposure.body.symbols.map((row: { symbol: string }) => row.symbol)).toContain(BTC);
  });

  it('counts the trades above on /metrics: perps trades, volume, open interest, house P&L and the tick lag', async () => {
    const text = (await request(running.url).get('/metrics').expect(200)).text;
    const value = (pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? NaN);
    expect(value(/^venue_trades_total\{venue="perps"\} (\S+)$/m)).toBeGreaterThanOrEqual(8);
    expect(value(/^venue_volume_usdc_total\{venue="perps"\} (\S+)$/m)).toBeGreaterThan(1000);
    expect(value(/^venue_open_interest_usdc\{venue="perps",asset="USDC"\} (\S+)$/m)).toBeGreaterThanOrEqual(0);
    // The liquidated margin went to the house.
    expect(value(/^venue_house_pnl_usdc\{venue="perps",asset="USDC"\} (\S+)$/m)).not.toBeNaN();
    expect(value(/^engine_tick_lag_seconds_count\{venue="perps"\} (\S+)$/m)).toBeGreaterThanOrEqual(1);
  });
});
