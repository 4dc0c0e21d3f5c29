import { EventEmitter2 } from '@nestjs/event-emitter';
import { JwtService } from '@nestjs/jwt';
import { Wallet } from 'ethers';
import request from 'supertest';
import { io, Socket } from 'socket.io-client';
import { UsersService } from '../src/auth/users.service';
import { AccountsEvent, BalanceChangedEvent } from '../src/accounts/accounts.events';
import { AuthEvent } from '../src/auth/auth.events';
import { DomainEventBus } from '../src/common/events/domain-event-bus';
import { UserUpdateEvent } from '../src/realtime/realtime.events';
import { NotFound } from '../src/common/errors/domain-error';
import { RealtimeChannels } from '../src/realtime/realtime-channels';
import { RealtimePublisher } from '../src/realtime/realtime.publisher';
import { RealtimeSnapshots } from '../src/realtime/realtime-snapshots';
import { closeSockets, collect, connectSocket, disconnected, eventually, nextEvent, request as ask, sleep } from './support/sockets';
import { balancesOf } from './support/ledger';
import { createHouseMarket } from './support/markets';
import { signInWithSiwe } from './support/sign-in';
import { RunningApp, startTestApp } from './support/test-app';
import { createTestUser } from './support/users';

type Ack = { ok: boolean; error?: string; message?: string; snapshot?: unknown };

/**
 * The trades module opens `ticker:<symbol>` and `candles:<symbol>:<interval>` for PERP_SYMBOLS (the feed is off
 * in tests, so the tests publish). A symbol of this run only keeps the cached snapshots of earlier runs out.
 */
const SNAPSHOT_SYMBOL = `SNAP${Date.now().toString(36).toUpperCase()}_USDC_PERP`;
const TEST_SYMBOLS = { PERP_SYMBOLS: `BTC_USDC_PERP,${SNAPSHOT_SYMBOL}` };

describe('realtime gateway (e2e)', () => {
  let running: RunningApp;
  let events: DomainEventBus;
  /** The raw carrier, for payload kinds no venue declares yet (orders, notifications). */
  let emitter: EventEmitter2;
  let publisher: RealtimePublisher;

  beforeAll(async () => {
    running = await startTestApp({ AUTH_STATE_CACHE_MS: '0', REALTIME_EVENTS_PER_SECOND: '10', REALTIME_RATE_LIMIT_STRIKES: '2', ...TEST_SYMBOLS });
    events = running.app.get(DomainEventBus);
    emitter = running.app.get(EventEmitter2);
    publisher = running.app.get(RealtimePublisher);
  });

  afterEach(() => closeSockets());

  afterAll(async () => {
    await running.close();
  });

  const balance = (userId: string, available: string): BalanceChangedEvent => ({ userId, asset: 'USDC', available, locked: '0' });

  describe('connecting', () => {
    it('lets a socket without a token in as anonymous, reading public channels only', async () => {
      const socket = await connectSocket(running);
      await expect(ask<Ack>(socket, 'subscribe', { channel: 'rounds' })).resolves.toMatchObject({ ok: true });
      await expect(ask<{ serverTime: number }>(socket, 'ping')).resolves.toEqual({ serverTime: expect.any(Number) });
    });

    it('accepts the access token in handshake.auth.token and in the session cookie', async () => {
      const user = await createTestUser(running);
      await expect(connectSocket(running, { auth: { token: user.token } })).resolves.toMatchObject({ connected: true });
      const viaCookie = await connectSocket(running, { extraHeaders: { Cookie: `other=1; ${running.config.authCookieName}=${user.token}` } });
      const update = nextEvent(viaCookie, 'balance:update');
      events.publishCommitted({ name: AccountsEvent.BalanceChanged, payload: balance(user.id, '1.5') });
      await expect(update).resolves.toEqual({ asset: 'USDC', available: '1.5', locked: '0' });
    });

    it('refuses an invalid, foreign-signed or expired token with "unauthorized"', async () => {
      const user = await createTestUser(running);
      const expired = await running.app.get(JwtService).signAsync({ sub: user.id, roles: ['user'] }, { expiresIn: -10 });
      const foreign = new JwtService({ secret: 'another-secret-another-secret-0123456789' });
      const forged = await foreign.signAsync({ sub: user.id, roles: ['admin'] });
      for (const token of ['nonsense', expired, forged]) {
        await expect(connectSocket(running, { auth: { token } })).rejects.toThrow('unauthorized');
      }
    });

    it('disconnects a socket when its token expires', async () => {
      const user = await createTestUser(running);
      const shortLived = await running.app.get(JwtService).signAsync({ sub: user.id, roles: ['user'] }, { expiresIn: 2 });
      const socket = await connectSocket(running, { auth: { token: shortLived } });
      await expect(disconnected(socket, 4000)).resolves.toBe('io server disconnect');
    });

    it('disconnects a banned user everywhere and refuses them afterwards', async () => {
      const user = await createTestUser(running);
      const bystander = await createTestUser(running);
      const socket = await connectSocket(running, { auth: { token: user.token } });
      const other = await connectSocket(running, { auth: { token: bystander.token } });
      const gone = disconnected(socket);
      await running.app.get(UsersService).setStatus(user.id, 'banned');
      await expect(gone).resolves.toBe('io server disconnect');
      expect(other.connected).toBe(true);
      await expect(connectSocket(running, { auth: { token: user.token } })).rejects.toThrow('unauthorized');
    });

    it('disconnects the sockets of a session that logs out, not the user\'s other sessions, and the token cannot come back', async () => {
      const wallet = Wallet.createRandom();
      const leaving = await signInWithSiwe(running, wallet);
      const staying = await signInWithSiwe(running, wallet);
      expect(staying.user.id).toBe(leaving.user.id);
      const revoked = await connectSocket(running, { auth: { token: leaving.accessToken } });
      const kept = await connectSocket(running, { auth: { token: staying.accessToken } });
      const gone = disconnected(revoked);
      await request(running.url).post('/api/v1/auth/logout').set(leaving.auth).expect(204);
      await expect(gone).resolves.toBe('io server disconnect');
      await sleep(200);
      expect(kept.connected).toBe(true);
      await expect(connectSocket(running, { auth: { token: leaving.accessToken } })).rejects.toThrow('unauthorized');
    });

    it('disconnects on a session.revoked event from any module', async () => {
      const session = await signInWithSiwe(running);
      const socket = await connectSocket(running, { auth: { token: session.accessToken } });
      const gone = disconnected(socket);
      const sessionId = (running.app.get(JwtService).decode(session.accessToken) as { sid: string }).sid;
      events.publishCommitted({ name: AuthEvent.SessionRevoked, payload: { userId: session.user.id, sessionId } });
      await expect(gone).resolves.toBe('io server disconnect');
    });

    it('drops a client that sends a message larger than 64 KiB', async () => {
      const socket = await connectSocket(running);
      const gone = disconnected(socket);
      socket.emit('subscribe', { channel: 'x'.repeat(70 * 1024) });
      await expect(gone).resolves.toBe('transport close');
    });
  });

  describe('channels', () => {
    it('refuses user:* and session:*, unknown channels and malformed names, with a reason', async () => {
      const user = await createTestUser(running);
      const socket = await connectSocket(running, { auth: { token: user.token } });
      const refusal = (error: string) => ({ ok: false, error, message: expect.any(String) });
      await expect(ask<Ack>(socket, 'subscribe', { channel: `user:${user.id}` })).resolves.toEqual(refusal('private channel'));
      await expect(ask<Ack>(socket, 'subscribe', { channel: 'session:abc' })).resolves.toEqual(refusal('private channel'));
      await expect(ask<Ack>(socket, 'subscribe', { channel: 'chat:1' })).resolves.toEqual(refusal('unknown channel'));
      await expect(ask<Ack>(socket, 'subscribe', { channel: 'round:has space' })).resolves.toEqual(refusal('malformed channel'));
      await expect(ask<Ack>(socket, 'subscribe', 'rounds')).resolves.toEqual(refusal('malformed channel'));
      await expect(ask<Ack>(socket, 'unsubscribe', { channel: 'user:x' })).resolves.toEqual(refusal('private channel'));
    });

    it('refuses a kind no venue has opened yet, and a market, book or round that does not exist, naming why', async () => {
      const socket = await connectSocket(running);
      const missing = '00000000-0000-4000-8000-000000000000';
      // Every kind has a venue now (order books are the markets module's): a kind nobody opened is refused at once.
      const channels = new RealtimeChannels();
      await expect(channels.admit({ kind: 'book', name: `book:${missing}:0`, marketId: missing, outcome: '0' })).resolves.toEqual({
        ok: false,
        error: 'unknown channel',
        message: 'nothing publishes book channels yet',
      });
      await expect(ask<Ack>(socket, 'subscribe', { channel: `book:${missing}:0` })).resolves.toEqual({
        ok: false,
        error: 'unknown channel',
        message: `Market ${missing} not found`,
      });
      await expect(ask<Ack>(socket, 'subscribe', { channel: `market:${missing}` })).resolves.toEqual({
        ok: false,
        error: 'unknown channel',
        message: `Market ${missing} not found`,
      });
      await expect(ask<Ack>(socket, 'subscribe', { channel: 'market:not-a-market' })).resolves.toMatchObject({ ok: false, error: 'unknown channel' });
      await expect(ask<Ack>(socket, 'subscribe', { channel: `round:${missing}` })).resolves.toEqual({
        ok: false,
        error: 'unknown channel',
        message: `Round ${missing} not found`,
      });
      await expect(ask<Ack>(socket, 'subscribe', { channel: 'round:42' })).resolves.toEqual({ ok: false, error: 'unknown channel', message: 'Round 42 not found' });
      // Refused channels were never joined: a broadcast on one reaches nobody.
      const updates = collect(socket, 'market:update');
      publisher.marketUpdate(missing, { id: missing });
      await sleep(200);
      expect(updates).toEqual([]);
    });

    it('works as the README example does: rounds and market:<id> answer with their state, then stream', async () => {
      const admin = await createTestUser(running, { roles: ['user', 'admin'] });
      const market = await createHouseMarket(running, admin);
      const user = await createTestUser(running);
      const socket = io(running.url, { auth: { token: user.token }, transports: ['websocket'], reconnection: false, forceNew: true });
      try {
        const states = collect(socket, 'round:state');
        const subscribed = new Promise<Ack>((resolve, reject) => {
          socket.on('connect', async () => {
            if (socket.recovered) return;
            const ack = (await socket.emitWithAck('subscribe', { channel: 'rounds' })) as Ack;
            if (!ack.ok) reject(new Error(`${ack.error}: ${ack.message}`));
            resolve(ack);
          });
        });
        const rounds = await subscribed;
        expect(rounds.ok).toBe(true);
        expect(rounds).toHaveProperty('snapshot'); // {round, candles}, or null before the first round
        publisher.roundState('r-readme', { id: 'r-readme', status: 'ACTIVE' });
        await eventually(() => expect(states).toEqual([{ id: 'r-readme', status: 'ACTIVE' }]));

        const marketAck = (await socket.emitWithAck('subscribe', { channel: `market:${market.id}` })) as Ack;
        expect(marketAck).toEqual({ ok: true, snapshot: expect.objectContaining({ id: market.id, status: 'OPEN', outcomes: market.outcomes }) });
      } finally {
        socket.close();
      }
    });

    it('delivers balance:update only to its own user', async () => {
      const alice = await createTestUser(running);
      const bob = await createTestUser(running);
      const aliceSocket = await connectSocket(running, { auth: { token: alice.token } });
      const bobSocket = await connectSocket(running, { auth: { token: bob.token } });
      const anonymous = await connectSocket(running);
      const bobReceived = collect(bobSocket, 'balance:update');
      const anonymousReceived = collect(anonymous, 'balance:update');
      // A client that tries to subscribe to someone else's room gets nothing either.
      await ask(bobSocket, 'subscribe', { channel: `user:${alice.id}` });

      const update = nextEvent(aliceSocket, 'balance:update');
      events.publishCommitted({ name: AccountsEvent.BalanceChanged, payload: balance(alice.id, '12.340000') });
      await expect(update).resolves.toEqual({ asset: 'USDC', available: '12.340000', locked: '0' });
      await sleep(300);
      expect(bobReceived).toEqual([]);
      expect(anonymousReceived).toEqual([]);
    });

    it('pushes a real ledger posting (the starting balance grant) to the user as balance:update', async () => {
      const user = await createTestUser(running);
      const socket = await connectSocket(running, { auth: { token: user.token } });
      const update = nextEvent<{ asset: string; available: string; locked: string }>(socket, 'balance:update');
      const balances = await balancesOf(running, user);
      await expect(update).resolves.toEqual({ asset: 'USDC', available: balances.USDC.available, locked: balances.USDC.locked });
    });

    it('forwards position, order and notification events to the user', async () => {
      const user = await createTestUser(running);
      const socket = await connectSocket(running, { auth: { token: user.token } });
      const position = nextEvent(socket, 'position:update');
      const order = nextEvent(socket, 'order:update');
      const notification = nextEvent(socket, 'notification');
      emitter.emit(UserUpdateEvent.PositionUpdated, { userId: user.id, position: { id: 'p1', size: '2' } });
      emitter.emit(UserUpdateEvent.OrderUpdated, { userId: user.id, order: { id: 'o1', status: 'filled' } });
      emitter.emit(UserUpdateEvent.NotificationCreated, { userId: user.id, notification: { text: 'hi' } });
      await expect(Promise.all([position, order, notification])).resolves.toEqual([{ id: 'p1', size: '2' }, { id: 'o1', status: 'filled' }, { text: 'hi' }]);
    });

    it('answers subscribe with the latest state, then streams updates until unsubscribe', async () => {
      const channel = `candles:${SNAPSHOT_SYMBOL}:1m`;
      const socket = await connectSocket(running);
      await expect(ask<Ack>(socket, 'subscribe', { channel })).resolves.toEqual({ ok: true, snapshot: null });

      publisher.candle(SNAPSHOT_SYMBOL, '1m', { close: '101.5' });
      await expect(nextEvent(socket, 'candle')).resolves.toEqual({ close: '101.5' });

      const late = await connectSocket(running);
      // The snapshot cache write is fire-and-forget, so it may land a moment after the broadcast.
      await eventually(async () => {
        expect(await ask<Ack>(late, 'subscribe', { channel })).toEqual({ ok: true, snapshot: { candle: { close: '101.5' } } });
      });

      await expect(ask<Ack>(socket, 'unsubscribe', { channel })).resolves.toEqual({ ok: true });
      const afterUnsubscribe = collect(socket, 'candle');
      const lateUpdate = nextEvent(late, 'candle');
      publisher.candle(SNAPSHOT_SYMBOL, '1m', { close: '102' });
      await expect(lateUpdate).resolves.toEqual({ close: '102' });
      await sleep(200);
      expect(afterUnsubscribe).toEqual([]);
    });

    it('lets a venue open its channel kind once, with a validator, and answer with its snapshot provider', async () => {
      // The markets module opened `book` (its own e2e checks the snapshot); a second registration is refused.
      expect(() => running.app.get(RealtimeChannels).register('book', () => undefined)).toThrow('already registered');
      expect(() => running.app.get(RealtimeSnapshots).register('book', async () => null)).toThrow('already registered');
      const channels = new RealtimeChannels();
      channels.register('book', (channel) => {
        if (channel.marketId !== 'known') throw new NotFound(`market ${channel.marketId} not found`);
      });
      await expect(channels.admit({ kind: 'book', name: 'book:known:YES', marketId: 'known', outcome: 'YES' })).resolves.toEqual({ ok: true });
      await expect(channels.admit({ kind: 'book', name: 'book:missing:YES', marketId: 'missing', outcome: 'YES' })).resolves.toEqual({
        ok: false,
        error: 'unknown channel',
        message: 'market missing not found',
      });
      const socket = await connectSocket(running);
      await expect(ask<Ack>(socket, 'subscribe', { channel: 'book:known:YES' })).resolves.toEqual({
        ok: false,
        error: 'unknown channel',
        message: 'Market known not found',
      });
    });

    it('sends a round to round:<id> and, while current, to rounds', async () => {
      const socket = await connectSocket(running);
      await ask(socket, 'subscribe', { channel: 'rounds' });
      const state = nextEvent(socket, 'round:state');
      publisher.roundState('r-77', { id: 'r-77', status: 'running' });
      await expect(state).resolves.toEqual({ id: 'r-77', status: 'running' });
    });

    it('sends market:update once to a socket in both market:<id> and markets', async () => {
      const market = await createHouseMarket(running, await createTestUser(running, { roles: ['user', 'admin'] }));
      const socket = await connectSocket(running);
      await expect(ask<Ack>(socket, 'subscribe', { channel: 'markets' })).resolves.toMatchObject({ ok: true });
      await expect(ask<Ack>(socket, 'subscribe', { channel: `market:${market.id}` })).resolves.toMatchObject({ ok: true });
      const updates = collect(socket, 'market:update');
      publisher.marketUpdate(market.id, { id: market.id, status: 'open' });
      await eventually(() => expect(updates).toHaveLength(1));
      await sleep(200);
      expect(updates).toEqual([{ id: market.id, status: 'open' }]);
    });
  });

  describe('client event rate limit', () => {
    it('warns with an error event, drops the excess, and disconnects repeated abuse', async () => {
      const socket = await connectSocket(running);
      const errors = collect<{ error: string; message: string }>(socket, 'error');
      const answered: unknown[] = [];
      const burstAt = Date.now();
      for (let i = 0; i < 15; i += 1) socket.emit('ping', {}, (reply: unknown) => answered.push(reply));
      await eventually(() => expect(errors).toHaveLength(1));
      expect(errors).toEqual([{ error: 'RateLimited', message: expect.stringContaining('more than 10 events per second') }]);
      await eventually(() => expect(answered).toHaveLength(10));
      await sleep(Math.max(0, burstAt + 1100 - Date.now()));
      expect(answered).toHaveLength(10);

      const gone = disconnected(socket);
      for (let i = 0; i < 15; i += 1) socket.emit('ping', {});
      await expect(gone).resolves.toBe('io server disconnect');
      expect(errors).toHaveLength(2);

      const metrics = await request(running.url).get('/metrics').expect(200);
      expect(metrics.text).toMatch(/realtime_rate_limited_total\{action="disconnected"\} [1-9]/);
      expect(metrics.text).toMatch(/realtime_connected_sockets \d+/);
    });
  });

  describe('connection state recovery', () => {
    it('replays what a dropped socket missed, its own private updates only after re-authentication', async () => {
      const user = await createTestUser(running);
      const symbol = 'BTC_USDC_PERP';
      const socket = await connectSocket(running, { auth: { token: user.token }, reconnection: true, reconnectionDelay: 100 });
      await ask(socket, 'subscribe', { channel: `ticker:${symbol}` });
      const tickers = collect<{ seq: number }>(socket, 'ticker');
      const balances = collect<{ available: string }>(socket, 'balance:update');
      publisher.ticker(symbol, { seq: 1 });
      await eventually(() => expect(tickers).toHaveLength(1));

      const dropped = disconnected(socket);
      socket.io.engine.close();
      await dropped;
      publisher.ticker(symbol, { seq: 2 });
      events.publishCommitted({ name: AccountsEvent.BalanceChanged, payload: balance(user.id, '7') });

      await nextEvent(socket, 'connect');
      expect(socket.recovered).toBe(true);
      await eventually(() => expect(tickers).toEqual([{ seq: 1 }, { seq: 2 }]));
      await eventually(() => expect(balances).toEqual([{ asset: 'USDC', available: '7', locked: '0' }]));

      // Still subscribed, and still in its user room, after recovery.
      publisher.ticker(symbol, { seq: 3 });
      events.publishCommitted({ name: AccountsEvent.BalanceChanged, payload: balance(user.id, '8') });
      await eventually(() => expect(tickers).toHaveLength(3));
      await eventually(() => expect(balances).toHaveLength(2));
    });

    it('does not let a user banned while disconnected recover', async () => {
      const user = await createTestUser(running);
      const socket = await connectSocket(running, { auth: { token: user.token }, reconnection: true, reconnectionDelay: 100, reconnectionAttempts: 1 });
      await ask(socket, 'subscribe', { channel: 'rounds' });
      publisher.roundState('r-ban', { id: 'r-ban' });
      await nextEvent(socket, 'round:state');
      const refused = nextEvent<Error>(socket, 'connect_error');
      // Watch the wire, not the client API: socket.io-client would buffer events sent before a refused connect.
      const onTheWire: unknown[] = [];
      socket.io.on('packet', (packet: { data?: unknown[] }) => {
        if (packet.data?.[0] === 'balance:update') onTheWire.push(packet.data);
      });
      // Reconnect only once the ban is stored: an automatic reconnect 100 ms after the drop raced a slow ban under load.
      socket.io.reconnection(false);
      const dropped = nextEvent(socket, 'disconnect');
      socket.io.engine.close();
      await dropped;
      await running.app.get(UsersService).setStatus(user.id, 'banned');
      events.publishCommitted({ name: AccountsEvent.BalanceChanged, payload: balance(user.id, '9') });
      socket.connect();
      await expect(refused).resolves.toMatchObject({ message: 'unauthorized' });
      expect(onTheWire).toEqual([]);
    });
  });
});

describe('realtime across two instances (e2e)', () => {
  let first: RunningApp;
  let second: RunningApp;
  let sockets: Socket[] = [];

  beforeAll(async () => {
    first = await startTestApp();
    second = await startTestApp();
  });

  afterAll(async () => {
    closeSockets();
    sockets = [];
    await Promise.all([first.close(), second.close()]);
  });

  it('delivers an admin broadcast made on instance A to a client on instance B', async () => {
    const admin = await createTestUser(first, { roles: ['user', 'admin'] });
    const onSecond = await connectSocket(second);
    const onFirst = await connectSocket(first);
    sockets.push(onSecond, onFirst);
    const notices = [nextEvent(onSecond, 'system:maintenance'), nextEvent(onFirst, 'system:maintenance')];

    const response = await request(first.url)
      .post('/api/v1/admin/realtime/broadcast')
      .set(admin.auth)
      .send({ message: 'Upgrade at six', startsAt: '2026-11-25T18:00:00Z' })
      .expect(202);
    expect(response.body).toEqual({ event: 'system:maintenance', message: 'Upgrade at six', startsAt: '2026-11-25T18:00:00.000Z' });
    await expect(Promise.all(notices)).resolves.toEqual([
      { message: 'Upgrade at six', startsAt: '2026-11-25T18:00:00.000Z' },
      { message: 'Upgrade at six', startsAt: '2026-11-25T18:00:00.000Z' },
    ]);
  });

  it('delivers a user event raised on instance A to that user on instance B, and disconnects them there on ban', async () => {
    const user = await createTestUser(first);
    const onSecond = await connectSocket(second, { auth: { token: user.token } });
    const update = nextEvent(onSecond, 'balance:update');
    first.app.get(DomainEventBus).publishCommitted({ name: AccountsEvent.BalanceChanged, payload: { userId: user.id, asset: 'USDC', available: '3', locked: '1' } });
    await expect(update).resolves.toEqual({ asset: 'USDC', available: '3', locked: '1' });
    const gone = disconnected(onSecond);
    await first.app.get(UsersService).setStatus(user.id, 'banned');
    await expect(gone).resolves.toBe('io server disconnect');
  });

  it('recovers on instance B a session that dropped from instance A, with what it missed and its channels', async () => {
    const symbol = 'BTC_USDC_PERP';
    const onFirst = await connectSocket(first);
    await ask(onFirst, 'subscribe', { channel: `ticker:${symbol}` });
    const firstTick = nextEvent(onFirst, 'ticker');
    first.app.get(RealtimePublisher).ticker(symbol, { seq: 1 });
    await firstTick;
    // What socket.io-client sends on reconnection, sent to the other instance as a load balancer might.
    const { _pid: pid, _lastOffset: offset } = onFirst as unknown as { _pid: string; _lastOffset: string };
    expect(pid).toEqual(expect.any(String));
    const dropped = disconnected(onFirst);
    onFirst.io.engine.close(); // a network drop: recoverable, unlike a client disconnect()
    await dropped;
    first.app.get(RealtimePublisher).ticker(symbol, { seq: 2 });
    await sleep(100);

    const onSecond = io(second.url, { transports: ['websocket'], reconnection: false, forceNew: true, auth: { pid, offset } });
    try {
      // Missed packets are emitted as the socket connects, so listen before it does.
      const tickers = collect(onSecond, 'ticker');
      await nextEvent(onSecond, 'connect');
      await eventually(() => expect(tickers).toEqual([{ seq: 2 }]));
      first.app.get(RealtimePublisher).ticker(symbol, { seq: 3 });
      await eventually(() => expect(tickers).toEqual([{ seq: 2 }, { seq: 3 }]));
    } finally {
      onSecond.close();
    }
  });

  it('refuses ticker:<symbol> for a symbol not in PERP_SYMBOLS, with the reason in the ack', async () => {
    const socket = await connectSocket(second);
    await expect(ask<Ack>(socket, 'subscribe', { channel: 'ticker:DOGE_USDC_PERP' })).resolves.toEqual({
      ok: false,
      error: 'unknown channel',
      message: 'Unknown perp symbol DOGE_USDC_PERP',
    });
  });

  it('refuses the broadcast to non-admins and validates the body', async () => {
    const user = await createTestUser(first);
    const admin = await createTestUser(first, { roles: ['user', 'admin'] });
    await request(first.url).post('/api/v1/admin/realtime/broadcast').send({ message: 'x', startsAt: '2026-11-25T18:00:00Z' }).expect(401);
    await request(first.url).post('/api/v1/admin/realtime/broadcast').set(user.auth).send({ message: 'x', startsAt: '2026-11-25T18:00:00Z' }).expect(403);
    const invalid = await request(first.url).post('/api/v1/admin/realtime/broadcast').set(admin.auth).send({ message: '', startsAt: 'soon' }).expect(400);
    expect(invalid.body.details.map((problem: { field: string }) => problem.field).sort()).toEqual(['message', 'startsAt']);
  });
});
