import type { Socket } from 'socket.io-client';
import request from 'supertest';
import { WithdrawalsService } from '../src/accounts/withdrawals.service';
import { DataSource } from 'typeorm';
import { DomainEventBus } from '../src/common/events/domain-event-bus';
import type { DomainEvent } from '../src/common/events/domain-event-map';
import type { MarketPositionsSettledEvent } from '../src/markets/markets.events';
import { MarketSettlementService } from '../src/markets/market-settlement.service';
import { createAdmin, createFundedUser, db, DEV_ADDRESS } from './support/ledger';
import { marketBody, waitForMarket } from './support/markets';
import { SmtpSink } from './support/smtp-sink';
import { closeSockets, collect, connectSocket, eventually, sleep } from './support/sockets';
import { RunningApp, startTestApp } from './support/test-app';
import { createTestUser, TestUser } from './support/users';

/** Short digest windows and dividend periods so the suite sees them end. */
const DIGEST_MINUTES = 0.05; // 3 s
const PERIOD_SECONDS = 3;

interface PushedNotification {
  id: string;
  kind: string;
  title: string;
  body: string;
  data: Record<string, string | number | null>;
  readAt: string | null;
  createdAt: string;
}

let keys = 0;
const key = () => `notifications-e2e-${process.pid}-${Date.now()}-${++keys}`;
let emails = 0;
const newEmail = () => `notify-${process.pid}-${Date.now()}-${++emails}@example.test`;

describe('notifications (e2e)', () => {
  const smtp = new SmtpSink();
  let running: RunningApp;
  let admin: TestUser;

  beforeAll(async () => {
    await smtp.start();
    running = await startTestApp({
      SMTP_URL: smtp.url,
      NOTIFICATION_EMAIL_DIGEST_MINUTES: String(DIGEST_MINUTES),
      DIVIDEND_PERIOD_SECONDS: String(PERIOD_SECONDS),
      CREATOR_SHARE_LOCK_SECONDS: '0',
      WITHDRAWAL_REVIEW_THRESHOLD: '1',
      // A market's two holders, or a dividend's creator and holder, settled in one batch go through the outbox and its job.
      NOTIFICATION_OUTBOX_FROM: '2',
    });
    admin = await createAdmin(running);
  });

  afterAll(async () => {
    closeSockets();
    await running?.close();
    await smtp.stop();
  });

  /** A funded user with a socket collecting every `notification` pushed to them. */
  async function listener(fields: { email?: string } = {}): Promise<{ user: TestUser; socket: Socket; pushed: PushedNotification[] }> {
    const user = await createTestUser(running, fields);
    await request(running.url).get('/api/v1/accounts/me').set(user.auth).expect(200);
    const socket = await connectSocket(running, { auth: { token: user.token } });
    return { user, socket, pushed: collect<PushedNotification>(socket, 'notification') };
  }

  /** A cause's event recorded as a cause records it, in a transaction (one that writes nothing else): a cause replayed, or one no route makes here. */
  const recordCause = (event: DomainEvent) =>
    running.app.get(DataSource).transaction(async (manager) => running.app.get(DomainEventBus).afterCommit(manager, event));

  const list = async (user: TestUser, query = '') => (await request(running.url).get(`/api/v1/notifications${query}`).set(user.auth).expect(200)).body;

  /** Waits until `user` has `count` notifications of `kind`, then a little longer to catch any duplicate. */
  async function settledCount(user: TestUser, kind: string, count: number): Promise<PushedNotification[]> {
    await eventually(async () => expect((await list(user, '?limit=100')).data.filter((n: PushedNotification) => n.kind === kind)).toHaveLength(count), 10_000);
    await sleep(500);
    const mine = (await list(user, '?limit=100')).data.filter((n: PushedNotification) => n.kind === kind);
    expect(mine).toHaveLength(count);
    return mine;
  }

  it('a resolved market notifies each holder once, with what they got; its settlement run again notifies nobody twice', async () => {
    const winner = await listener();
    const loser = await listener();
    const market = (await request(running.url).post('/api/v1/admin/markets').set(admin.auth).send(marketBody({ subsidy: '50' })).expect(201)).body;
    await request(running.url).post(`/api/v1/markets/${market.id}/buy`).set(winner.user.auth).send({ outcome: 'Yes', amount: '10' }).expect(201);
    await request(running.url).post(`/api/v1/markets/${market.id}/buy`).set(loser.user.auth).send({ outcome: 'No', amount: '5' }).expect(201);
    await request(running.url).post(`/api/v1/admin/markets/${market.id}/resolve`).set(admin.auth).send({ outcome: 'Yes' }).expect(200);
    await waitForMarket(running, market.id, (state) => state.settledAt !== null && state.settledAt !== undefined);

    const [won] = await settledCount(winner.user, 'market-resolved', 1);
    const [lost] = await settledCount(loser.user, 'market-resolved', 1);
    expect(won).toMatchObject({ data: { marketId: market.id, resolvedOutcome: 0 }, readAt: null });
    expect(Number(won.data.amount)).toBeGreaterThan(10);
    expect(won.body).toBe(`It resolved to Yes. You got ${won.data.amount} USDC.`);
    expect(lost.data.amount).toBe('0.000000');
    await eventually(() => expect(winner.pushed.map((pushed) => pushed.id)).toEqual([won.id]));

    // Run again: the job finds it settled; and the batch's event delivered again (a crashed job's rerun) inserts nothing.
    await expect(running.app.get(MarketSettlementService).settle(market.id)).resolves.toEqual({ positionsSettled: 0, done: true });
    const replay: MarketPositionsSettledEvent = {
      marketId: market.id,
      question: market.question,
      status: 'RESOLVED',
      resolvedOutcome: 0,
      resolvedOutcomeLabel: 'Yes',
      payments: [{ userId: winner.user.id, amount: String(won.data.amount) }],
    };
    await recordCause({ name: 'market.positions-settled', payload: replay });
    await recordCause({ name: 'market.positions-settled', payload: replay });
    await settledCount(winner.user, 'market-resolved', 1);
    expect(winner.pushed).toHaveLength(1);
  });

  it('a cancelled market notifies each holder once with their refund', async () => {
    const holder = await listener();
    const market = (await request(running.url).post('/api/v1/admin/markets').set(admin.auth).send(marketBody({ subsidy: '50' })).expect(201)).body;
    await request(running.url).post(`/api/v1/markets/${market.id}/buy`).set(holder.user.auth).send({ outcome: 'No', amount: '8' }).expect(201);
    await request(running.url).post(`/api/v1/admin/markets/${market.id}/cancel`).set(admin.auth).expect(200);
    const [refund] = await settledCount(holder.user, 'market-cancelled', 1);
    expect(refund.data.amount).toBe('8.000000');
    expect(holder.pushed.map((pushed) => pushed.kind)).toEqual(['market-cancelled']);
  });

  it('a rejected withdrawal notifies its owner once', async () => {
    const owner = await listener();
    const withdrawal = (
      await request(running.url).post('/api/v1/accounts/me/withdrawals').set(owner.user.auth).send({ asset: 'USDC', amount: '5', chain: 'dev', toAddress: DEV_ADDRESS }).expect(201)
    ).body;
    await request(running.url).post(`/api/v1/admin/withdrawals/${withdrawal.id}/reject`).set(admin.auth).send({ reason: 'Sanctioned address' }).expect(200);
    const [rejected] = await settledCount(owner.user, 'withdrawal-rejected', 1);
    expect(rejected).toMatchObject({ title: 'Withdrawal rejected', data: { withdrawalId: withdrawal.id, status: 'REJECTED', reason: 'Sanctioned address' } });
    expect(rejected.body).toContain('(Sanctioned address)');
    expect(owner.pushed.map((pushed) => pushed.kind)).toEqual(['withdrawal-rejected']);
  });

  it('a withdrawal that completes, and one that fails, notify once each, however often the sender reports it', async () => {
    const owner = await listener();
    const withdrawals = running.app.get(WithdrawalsService);
    const requestOne = async () =>
      (await request(running.url).post('/api/v1/accounts/me/withdrawals').set(owner.user.auth).send({ asset: 'USDC', amount: '5', chain: 'dev', toAddress: DEV_ADDRESS }).expect(201)).body as { id: string };
    const [paid, unpaid] = [await requestOne(), await requestOne()];
    for (const { id } of [paid, unpaid]) {
      await request(running.url).post(`/api/v1/admin/withdrawals/${id}/approve`).set(admin.auth).expect(200);
      await withdrawals.claimForSending(id);
    }
    // What the chain sender calls (twice: a sender that restarted reports it again).
    await withdrawals.markSent(paid.id, `0x${'ab'.repeat(32)}`);
    // (No chain runs here: the vault it settles into is named like a dev chain's.)
    const vault = { chain: 'dev', chainId: '31337', chainEpoch: `0x${'00'.repeat(32)}` };
    for (let n = 0; n < 2; n += 1) await withdrawals.complete(paid.id, `0x${'ab'.repeat(32)}`, vault);
    for (let n = 0; n < 2; n += 1) await withdrawals.fail(unpaid.id, 'reverted on chain');
    const [completed] = await settledCount(owner.user, 'withdrawal-completed', 1);
    expect(completed).toMatchObject({ data: { withdrawalId: paid.id, status: 'COMPLETED', txHash: `0x${'ab'.repeat(32)}` } });
    const [failed] = await settledCount(owner.user, 'withdrawal-failed', 1);
    expect(failed).toMatchObject({ data: { withdrawalId: unpaid.id, reason: 'reverted on chain' } });
    expect(owner.pushed.map((pushed) => pushed.kind).sort()).toEqual(['withdrawal-completed', 'withdrawal-failed']);
  });

  it('a dividend notifies each holder of record once; the dividend job run again notifies nobody twice', async () => {
    const creator = await listener();
    const holder = await listener();
    await request(running.url).post(`/api/v1/admin/creators/${creator.user.id}`).set(admin.auth).set('Idempotency-Key', key()).expect(200);
    // Buy at the start of a period, so the buy and the period's end are both seen.
    const size = PERIOD_SECONDS * 1000;
    const periodStart = Math.floor(Date.now() / size) * size + size;
    await sleep(periodStart - Date.now() + 30);
    await request(running.url).post(`/api/v1/creators/${creator.user.id}/shares/buy`).set(holder.user.auth).set('Idempotency-Key', key()).send({ shares: 3 }).expect(201);
    await sleep(periodStart + size - Date.now() + 50);
    const period = new Date(periodStart).toISOString();
    const runDividends = () => request(running.url).post('/api/v1/admin/dividends/run').set(admin.auth).set('Idempotency-Key', key()).send({ period }).expect(202);
    const finished = async () =>
      eventually(async () => expect((await request(running.url).get(`/api/v1/admin/dividends?period=${encodeURIComponent(period)}`).set(admin.auth).expect(200)).body.status).toBe('finished'), 15_000);
    await runDividends();
    await finished();

    const [paid] = await settledCount(holder.user, 'dividend-paid', 1);
    expect(paid.data).toMatchObject({ creatorId: creator.user.id, period, shares: 3 });
    await settledCount(creator.user, 'dividend-paid', 1);
    await runDividends();
    await finished();
    await settledCount(holder.user, 'dividend-paid', 1);
    expect(holder.pushed.filter((pushed) => pushed.kind === 'dividend-paid')).toHaveLength(1);
  });

  it('a perp trigger or a round payout delivered twice notifies once', async () => {
    const player = await listener();
    const positionId = '7e1a9c3b-2d4f-4a6b-8c0d-1e2f3a4b5c6d';
    const trigger = { userId: player.user.id, reason: 'stop_loss' as const, positionId, symbol: 'BTC_USDC_PERP', message: 'Your BTC_USDC_PERP long hit its stop-loss at 63500.00000000', price: '63500.00000000', payout: '45.000000', at: new Date().toISOString() };
    await recordCause({ name: 'perp.position-triggered', payload: trigger });
    await recordCause({ name: 'perp.position-triggered', payload: trigger });
    const [closed] = await settledCount(player.user, 'perp-trigger', 1);
    expect(closed).toMatchObject({ title: 'Stop-loss hit: BTC_USDC_PERP', data: { positionId, reason: 'stop_loss', payout: '45.000000' } });

    const payouts = { roundId: '8f2b0d4c-3e5a-4b7c-9d1e-2f3a4b5c6d7e', roundNumber: 12, voided: false, payouts: [{ userId: player.user.id, amount: '2.500000' }] };
    await recordCause({ name: 'round.payouts', payload: payouts });
    await recordCause({ name: 'round.payouts', payload: payouts });
    const [round] = await settledCount(player.user, 'round-payout', 1);
    expect(round).toMatchObject({ title: 'Round #12 settled', body: 'You were paid 2.500000 USDC.' });
    expect(player.pushed.map((pushed) => pushed.kind).sort()).toEqual(['perp-trigger', 'round-payout']);
  });

  it('read, unread counts and read-all; someone else’s notification is 404 like none at all', async () => {
    const reader = await listener();
    const stranger = await createFundedUser(running);
    for (let n = 1; n <= 3; n += 1) {
      await recordCause({ name: 'round.payouts', payload: { roundId: `9a3c1e5d-4f6b-4c8d-8e2f-3a4b5c6d7e${String(n).padStart(2, '0')}`, roundNumber: n, voided: false, payouts: [{ userId: reader.user.id, amount: '1.000000' }] } });
      await settledCount(reader.user, 'round-payout', n);
    }
    const all = await list(reader.user);
    expect(all.data.map((n: PushedNotification) => n.title)).toEqual(['Round #3 settled', 'Round #2 settled', 'Round #1 settled']);
    expect(all).toMatchObject({ unreadCount: 3, meta: { total: 3 } });

    const target = all.data[1] as PushedNotification;
    expect((await request(running.url).post(`/api/v1/notifications/${target.id}/read`).set(stranger.auth).expect(404)).body).toMatchObject({ error: 'NotificationNotFound' });
    expect((await request(running.url).post(`/api/v1/notifications/not-a-uuid/read`).set(reader.user.auth).expect(404)).body.error).toBe('NotificationNotFound');
    expect((await request(running.url).post(`/api/v1/notifications/00000000-0000-4000-8000-000000000000/read`).set(reader.user.auth).expect(404)).body.error).toBe('NotificationNotFound');
    expect((await list(stranger)).data).toEqual([]);

    const read = (await request(running.url).post(`/api/v1/notifications/${target.id}/read`).set(reader.user.auth).expect(200)).body;
    expect(read).toMatchObject({ id: target.id, readAt: expect.any(String) });
    expect((await list(reader.user)).unreadCount).toBe(2);
    const unread = await list(reader.user, '?unread=true');
    expect(unread.data.map((n: PushedNotification) => n.title)).toEqual(['Round #3 settled', 'Round #1 settled']);
    expect(unread).toMatchObject({ unreadCount: 2, meta: { total: 2 } });
    expect((await request(running.url).get('/api/v1/notifications?unread=maybe').set(reader.user.auth).expect(400)).body.error).toBe('ValidationFailed');

    expect((await request(running.url).post('/api/v1/notifications/read-all').set(reader.user.auth).expect(200)).body).toEqual({ marked: 2, unreadCount: 0 });
    expect(await list(reader.user, '?unread=true')).toMatchObject({ data: [], unreadCount: 0 });
    expect((await list(reader.user)).meta.total).toBe(3);
    await request(running.url).get('/api/v1/notifications').expect(401);
  });

  it('an admin broadcast reaches every user once, a retry with its Idempotency-Key sends nothing more; only admins broadcast', async () => {
    const first = await listener();
    const second = await listener();
    const idempotencyKey = key();
    const body = { title: `Maintenance ${idempotencyKey}`, body: 'Trading pauses on Sunday 02:00–02:30 UTC.' };
    await request(running.url).post('/api/v1/admin/notifications/broadcast').set(first.user.auth).set('Idempotency-Key', key()).send(body).expect(403);
    await request(running.url).post('/api/v1/admin/notifications/broadcast').set(admin.auth).send({ title: '' , body: 'x' }).expect(400);
    const sent = (await request(running.url).post('/api/v1/admin/notifications/broadcast').set(admin.auth).set('Idempotency-Key', idempotencyKey).send(body).expect(202)).body;
    const retried = await request(running.url).post('/api/v1/admin/notifications/broadcast').set(admin.auth).set('Idempotency-Key', idempotencyKey).send(body).expect(202);
    expect(retried.body).toEqual(sent);
    // One audit row, written with the broadcast (the retry is a replay, not a new action).
    const audit = (await request(running.url).get(`/api/v1/admin/audit?action=notification.broadcast&target=${sent.id}`).set(admin.auth).expect(200)).body;
    expect(audit.data).toEqual([expect.objectContaining({ actorId: admin.id, targetType: 'broadcast', targetId: sent.id, after: { title: body.title, body: body.body } })]);
    for (const { user, pushed } of [first, second]) {
      const [got] = await settledCount(user, 'broadcast', 1);
      expect(got).toMatchObject({ title: body.title, body: body.body, data: { broadcastId: sent.id } });
      expect(pushed.filter((n) => n.kind === 'broadcast').map((n) => n.id)).toEqual([got.id]);
    }
  });

  it('settings: in-app always, email per kind; the digest mails only the kinds left on, one mail per window', async () => {
    const email = newEmail();
    const picky = await listener({ email });
    const settings = (await request(running.url).get('/api/v1/me/notification-settings').set(picky.user.auth).expect(200)).body.settings;
    expect(settings).toContainEqual({ kind: 'withdrawal-rejected', inApp: true, email: true });
    const patched = (await request(running.url).patch('/api/v1/me/notification-settings').set(picky.user.auth).send({ 'withdrawal-rejected': false }).expect(200)).body.settings;
    expect(patched).toContainEqual({ kind: 'withdrawal-rejected', inApp: true, email: false });
    expect(patched).toContainEqual({ kind: 'round-payout', inApp: true, email: true });
    await request(running.url).patch('/api/v1/me/notification-settings').set(picky.user.auth).send({ 'not-a-kind': true }).expect(400);
    await request(running.url).patch('/api/v1/me/notification-settings').set(picky.user.auth).send({ 'round-payout': 'yes' }).expect(400);
    await request(running.url).patch('/api/v1/me/notification-settings').set(picky.user.auth).send({ 'round-payout': null }).expect(400);

    const withdrawal = (
      await request(running.url).post('/api/v1/accounts/me/withdrawals').set(picky.user.auth).send({ asset: 'USDC', amount: '5', chain: 'dev', toAddress: DEV_ADDRESS }).expect(201)
    ).body;
    await request(running.url).post(`/api/v1/admin/withdrawals/${withdrawal.id}/reject`).set(admin.auth).send({ reason: 'Sanctioned address' }).expect(200);
    for (const n of [1, 2]) {
      await recordCause({ name: 'round.payouts', payload: { roundId: `6b4d2f0a-1c3e-4a5b-9c7d-8e9f0a1b2c${String(n).padStart(2, '0')}`, roundNumber: 100 + n, voided: false, payouts: [{ userId: picky.user.id, amount: '1.000000' }] } });
    }
    await settledCount(picky.user, 'withdrawal-rejected', 1);
    await settledCount(picky.user, 'round-payout', 2);

    const toPicky = () => smtp.messages.filter((message) => message.to.includes(email));
    const mailed = () => toPicky().map((message) => message.data).join('\n');
    await eventually(() => {
      expect(mailed()).toContain('Round #101 settled');
      expect(mailed()).toContain('Round #102 settled');
    }, 15_000);
    const mailsSoFar = toPicky().length;
    await recordCause({ name: 'round.payouts', payload: { roundId: '6b4d2f0a-1c3e-4a5b-9c7d-8e9f0a1b2c99', roundNumber: 103, voided: false, payouts: [{ userId: picky.user.id, amount: '1.000000' }] } });
    await eventually(() => expect(mailed()).toContain('Round #103 settled'), 15_000);
    expect(toPicky()).toHaveLength(mailsSoFar + 1);
    expect(mailed()).not.toContain('Withdrawal rejected');
    // At most one mail per window: the mails' times (as recorded on the notifications they carried) are a window apart.
    // (A mail reaches the sink just before its transaction commits the time.)
    const sentTimes = async () =>
      (await db(running).query(`SELECT DISTINCT emailed_at FROM notifications WHERE user_id = $1 AND emailed_at IS NOT NULL ORDER BY emailed_at`, [picky.user.id])) as { emailed_at: Date }[];
    await eventually(async () => expect(await sentTimes()).toHaveLength(toPicky().length));
    const sentAt = await sentTimes();
    for (let n = 1; n < sentAt.length; n += 1) expect(sentAt[n].emailed_at.getTime() - sentAt[n - 1].emailed_at.getTime()).toBeGreaterThanOrEqual(DIGEST_MINUTES * 60_000);
    // A user with email on for everything gets the same causes by mail too, the withdrawal included.
    const email2 = newEmail();
    const everything = await listener({ email: email2 });
    await recordCause({ name: 'withdrawal.updated', payload: { userId: everything.user.id, withdrawal: { ...withdrawal, id: '5c3e1a9b-0d2f-4b4c-8e6a-7f8091a2b3c4', status: 'REJECTED', reason: 'Sanctioned address' } } });
    expect((await smtp.waitFor(email2, 15_000)).data).toContain('Withdrawal rejected');
  });
});
