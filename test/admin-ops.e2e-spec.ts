import request from 'supertest';
import { DataSource, QueryRunner } from 'typeorm';
import { Wallet } from 'ethers';
import { balancesOf, createAdmin, createFundedUser, db, DEV_ADDRESS, reconcile } from './support/ledger';
import { createHouseMarket, marketBody, marketOf, units, waitForMarket } from './support/markets';
import { signInWithSiwe, siweProof } from './support/sign-in';
import { closeSockets, collect, connectSocket, disconnected, eventually, request as ask } from './support/sockets';
import { RunningApp, startTestApp } from './support/test-app';
import { createTestUser, TestUser } from './support/users';

/**
 * Issue 17's admin fixes and tooling, as clients see them: bans end access on every instance at once and for
 * good, admins cannot lock themselves or everyone out, cancelled markets show CANCELLING until the last refund,
 * every admin action is audited, large money moves need a second admin, and absurd postings are refused.
 * Two instances share PostgreSQL and Redis; the auth cache is long, so only the Redis fan-out can explain a
 * ban taking effect on the other instance at once.
 */
const SETTINGS = { AUTH_STATE_CACHE_MS: '60000', ADMIN_APPROVAL_THRESHOLD: '1000', LEDGER_MAX_POSTING: '1000000', WITHDRAWAL_REVIEW_THRESHOLD: '100', MARKET_SETTLEMENT_BATCH_SIZE: '1' };

describe('admin operations (e2e)', () => {
  let first: RunningApp;
  let second: RunningApp;
  let admin: TestUser;
  let otherAdmin: TestUser;

  beforeAll(async () => {
    first = await startTestApp(SETTINGS);
    second = await startTestApp({ ...SETTINGS, APP_ROLE: 'api' });
    admin = await createAdmin(first);
    otherAdmin = await createAdmin(first);
  });

  afterEach(() => closeSockets());

  afterAll(async () => {
    await second?.close();
    await first?.close();
  });

  const audit = async (query: Record<string, string>) => (await request(first.url).get('/api/v1/admin/audit').query(query).set(admin.auth).expect(200)).body;
  const refresh = (running: RunningApp, refreshToken: string) => request(running.url).post('/api/v1/auth/refresh').send({ refreshToken });

  describe('bans', () => {
    it('disconnects the user’s socket on the other instance, refuses their tokens there at once, and unban does not revive the old session', async () => {
      const wallet = Wallet.createRandom();
      const session = await signInWithSiwe(first, wallet);
      // Instance B caches the user as active for AUTH_STATE_CACHE_MS (60 s) and holds their socket.
      await request(second.url).get('/api/v1/me').set(session.auth).expect(200);
      const socket = await connectSocket(second, { auth: { token: session.accessToken } });
      const gone = disconnected(socket);

      const banned = await request(first.url).post(`/api/v1/admin/users/${session.user.id}/ban`).set(admin.auth).set('X-Request-Id', 'ban-req-1').expect(200);
      expect(banned.body.status).toBe('banned');
      await expect(gone).resolves.toBe('io server disconnect');
      await eventually(async () => {
        expect((await request(second.url).get('/api/v1/me').set(session.auth).expect(401)).body.message).toBe('user is banned');
      }, 2000);
      await expect(connectSocket(second, { auth: { token: session.accessToken } })).rejects.toThrow();
      expect((await refresh(second, session.refreshToken).expect(401)).body.message).toBe('session revoked: sign in again');

      await request(first.url).post(`/api/v1/admin/users/${session.user.id}/unban`).set(admin.auth).expect(200);
      await eventually(async () => {
        expect((await request(second.url).get('/api/v1/me').set(session.auth).expect(401)).body.message).toBe('session revoked: sign in again');
      }, 2000);
      expect((await refresh(first, session.refreshToken).expect(401)).body.message).toBe('session revoked: sign in again');
      const again = await request(first.url).post('/api/v1/auth/siwe/verify').send(await siweProof(first, wallet)).expect(200);
      await request(second.url).get('/api/v1/me').set('Authorization', `Bearer ${again.body.accessToken}`).expect(200);

      const rows = (await audit({ target: session.user.id })).data;
      expect(rows.map((row: { action: string }) => row.action)).toEqual(['user.unban', 'user.ban']);
      expect(rows[1]).toMatchObject({
        actorId: admin.id,
        targetType: 'user',
        before: { status: 'active', roles: ['user'] },
        after: { status: 'banned', roles: ['user'], sessionsRevoked: 1 },
        requestId: 'ban-req-1',
      });
      expect(rows[0]).toMatchObject({ before: { status: 'banned' }, after: { status: 'active' } });
    });

    it('refuses an admin banning or demoting themselves (409), and changes nothing', async () => {
      const self = await request(first.url).post(`/api/v1/admin/users/${admin.id}/ban`).set(admin.auth).expect(409);
      expect(self.body).toMatchObject({ error: 'SelfBanRefused', message: 'You cannot ban yourself' });
      const demote = await request(first.url).post(`/api/v1/admin/users/${admin.id}/roles`).set(admin.auth).send({ roles: ['user'] }).expect(409);
      expect(demote.body).toMatchObject({ error: 'SelfDemotionRefused' });
      // Keeping one's own admin role is fine.
      await request(first.url).post(`/api/v1/admin/users/${admin.id}/roles`).set(admin.auth).send({ roles: ['admin'] }).expect(200);
      await request(first.url).get('/api/v1/admin/users').set(admin.auth).expect(200);
      expect((await audit({ target: admin.id, action: 'user.ban' })).data).toEqual([]);
    });
  });

  describe('cancelling a market', () => {
    it('shows CANCELLING while the refunds are paid and CANCELLED only once every refund is', async () => {
      const market = await createHouseMarket(first, admin, { subsidy: '50' });
      const buyers = [await createFundedUser(first), await createFundedUser(first), await createFundedUser(first)];
      for (const buyer of buyers) await request(first.url).post(`/api/v1/markets/${market.id}/buy`).set(buyer.auth).send({ outcome: 'Yes', amount: '10' }).expect(201);
      const watcher = await connectSocket(first);
      await ask(watcher, 'subscribe', { channel: `market:${market.id}` });
      const updates = collect<{ status: string }>(watcher, 'market:update');

      // Hold the positions' row locks: the refund job funds the pool, then waits at its first batch.
      const blocker = await lockPositions(db(first), market.id);
            try {
        const cancelled = (await request(first.url).post(`/api/v1/admin/markets/${market.id}/cancel`).set(admin.auth).expect(200)).body;
        expect(cancelled.status).toBe('CANCELLING');
        await eventually(async () => expect(await waitingOnLocks(db(first))).toBeGreaterThan(0), 5000);
        expect(await marketOf(first, market.id)).toMatchObject({ status: 'CANCELLING', settledAt: null });
        for (const buyer of buyers) expect(units((await balancesOf(first, buyer)).USDC.available)).toBeLessThan(units('1000'));
      } finally {
        await blocker.rollbackTransaction();
        await blocker.release();
      }

      const done = await waitForMarket(first, market.id, (m) => m.status === 'CANCELLED');
      expect(done.settledAt).not.toBeNull();
      for (const buyer of buyers) expect((await balancesOf(first, buyer)).USDC.available).toBe('1000.000000');
      await request(first.url).post(`/api/v1/admin/markets/${market.id}/cancel`).set(admin.auth).expect(409);
      await request(first.url).post(`/api/v1/markets/${market.id}/buy`).set(buyers[0].auth).send({ outcome: 'Yes', amount: '1' }).expect(422);
      await eventually(() => expect(updates.map((update) => update.status)).toEqual(['CANCELLING', 'CANCELLED']));
      expect((await reconcile(first, admin)).ok).toBe(true);

      const [row] = (await audit({ target: market.id, action: 'market.cancel' })).data;
      expect(row).toMatchObject({ before: { status: 'OPEN' }, after: { status: 'CANCELLING' } });
    });
  });

  describe('four eyes', () => {
    it('an adjustment above ADMIN_APPROVAL_THRESHOLD waits for a second admin; the requester cannot approve it', async () => {
      const user = await createFundedUser(first);
      const asked = await request(first.url)
        .post(`/api/v1/admin/accounts/${user.id}/adjustments`)
        .set(admin.auth)
        .set('Idempotency-Key', `big-credit-${user.id}`)
        .send({ asset: 'USDC', amount: '2500', reason: 'OTC deposit #12' })
        .expect(202);
      expect(asked.body).toMatchObject({ action: 'account.adjustment', targetId: user.id, asset: 'USDC', amount: '2500.000000', status: 'PENDING', requestedBy: admin.id, result: null });
      // A retry with the same key replays the same pending approval instead of asking twice.
      const retried = await request(first.url)
        .post(`/api/v1/admin/accounts/${user.id}/adjustments`)
        .set(admin.auth)
        .set('Idempotency-Key', `big-credit-${user.id}`)
        .send({ asset: 'USDC', amount: '2500', reason: 'OTC deposit #12' })
        .expect(202);
      expect(retried.body.id).toBe(asked.body.id);
      expect((await balancesOf(first, user)).USDC.available).toBe('1000.000000');
      const pending = await request(first.url).get('/api/v1/admin/approvals').query({ status: 'PENDING', limit: 100 }).set(otherAdmin.auth).expect(200);
      expect(pending.body.data.map((approval: { id: string }) => approval.id)).toContain(asked.body.id);

      const own = await request(first.url).post(`/api/v1/admin/approvals/${asked.body.id}/approve`).set(admin.auth).expect(403);
      expect(own.body.error).toBe('SelfApprovalRefused');
      const notAdmin = await createTestUser(first);
      await request(first.url).post(`/api/v1/admin/approvals/${asked.body.id}/approve`).set(notAdmin.auth).expect(403);
      expect((await balancesOf(first, user)).USDC.available).toBe('1000.000000');

      const approved = await request(first.url).post(`/api/v1/admin/approvals/${asked.body.id}/approve`).set(otherAdmin.auth).expect(200);
      expect(approved.body).toMatchObject({ status: 'APPROVED', decidedBy: otherAdmin.id, result: { userId: user.id, amount: '2500.000000', available: '3500.000000' } });
      expect((await balancesOf(first, user)).USDC.available).toBe('3500.000000');
      const twice = await request(first.url).post(`/api/v1/admin/approvals/${asked.body.id}/approve`).set(otherAdmin.auth).expect(409);
      expect(twice.body).toMatchObject({ error: 'ApprovalNotPending', details: { status: 'APPROVED' } });

      const trail = (await audit({ target: asked.body.id })).data;
      expect(trail.map((row: { action: string; actorId: string }) => [row.action, row.actorId])).toEqual([
        ['approval.approved', otherAdmin.id],
        ['approval.requested', admin.id],
      ]);
      expect(trail[0]).toMatchObject({ before: { status: 'PENDING' }, after: { status: 'APPROVED' } });
      const [adjustment] = (await audit({ target: user.id, action: 'account.adjustment' })).data;
      expect(adjustment).toMatchObject({
        actorId: otherAdmin.id,
        before: { asset: 'USDC', available: '1000.000000' },
        after: { available: '3500.000000', approvalId: asked.body.id, requestedBy: admin.id },
      });
      // Below the threshold one admin is enough, and it is audited all the same.
      await request(first.url).post(`/api/v1/admin/accounts/${user.id}/adjustments`).set(admin.auth).send({ asset: 'USDC', amount: '-1000', reason: 'Small fix' }).expect(201);
      expect((await audit({ target: user.id, action: 'account.adjustment', actor: admin.id })).data[0]).toMatchObject({
        before: { available: '3500.000000' },
        after: { available: '2500.000000', amount: '-1000.000000' },
      });
      expect((await reconcile(first, admin)).ok).toBe(true);
    });

    it('a rejected approval moves nothing', async () => {
      const user = await createFundedUser(first);
      const asked = await request(first.url).post(`/api/v1/admin/accounts/${user.id}/adjustments`).set(admin.auth).send({ asset: 'USDC', amount: '-1500', reason: 'Chargeback' }).expect(202);
      const rejected = await request(first.url).post(`/api/v1/admin/approvals/${asked.body.id}/reject`).set(otherAdmin.auth).send({ reason: 'no ticket' }).expect(200);
      expect(rejected.body).toMatchObject({ status: 'REJECTED', reason: 'no ticket', decidedBy: otherAdmin.id });
      await request(first.url).post(`/api/v1/admin/approvals/${asked.body.id}/approve`).set(otherAdmin.auth).expect(409);
      expect((await balancesOf(first, user)).USDC.available).toBe('1000.000000');
    });

    it('a withdrawal approval above the threshold needs a second admin before the withdrawal is cleared', async () => {
      const user = await createFundedUser(first);
      await request(first.url).post(`/api/v1/admin/accounts/${user.id}/adjustments`).set(admin.auth).send({ asset: 'USDC', amount: '900', reason: 'Prize' }).expect(201);
      const withdrawal = (
        await request(first.url).post('/api/v1/accounts/me/withdrawals').set(user.auth).send({ asset: 'USDC', amount: '1800', chain: 'dev', toAddress: DEV_ADDRESS }).expect(201)
      ).body;
      expect(withdrawal.approvedAt).toBeNull();
      const asked = await request(first.url).post(`/api/v1/admin/withdrawals/${withdrawal.id}/approve`).set(admin.auth).expect(202);
      expect(asked.body).toMatchObject({ action: 'withdrawal.approve', targetId: withdrawal.id, amount: '1800.000000', status: 'PENDING' });
      const again = await request(first.url).post(`/api/v1/admin/withdrawals/${withdrawal.id}/approve`).set(otherAdmin.auth).expect(409);
      expect(again.body).toMatchObject({ error: 'ApprovalAlreadyPending', details: { approvalId: asked.body.id } });
      const list = await request(first.url).get('/api/v1/accounts/me/withdrawals').set(user.auth).expect(200);
      expect(list.body.data[0]).toMatchObject({ id: withdrawal.id, status: 'PENDING', approvedAt: null });

      await request(first.url).post(`/api/v1/admin/approvals/${asked.body.id}/approve`).set(admin.auth).expect(403);
      const approved = await request(first.url).post(`/api/v1/admin/approvals/${asked.body.id}/approve`).set(otherAdmin.auth).expect(200);
      expect(approved.body.result).toMatchObject({ id: withdrawal.id, status: 'PENDING', approvedAt: expect.any(String) });
      const [row] = (await audit({ target: withdrawal.id, action: 'withdrawal.approve' })).data;
      expect(row).toMatchObject({ actorId: otherAdmin.id, before: { approvedAt: null }, after: { approvedAt: expect.any(String), requestedBy: admin.id } });
    });

    it('a house market whose subsidy is above the threshold opens only once a second admin approves', async () => {
      const body = marketBody({ subsidy: '5000' });
      const asked = await request(first.url).post('/api/v1/admin/markets').set(admin.auth).send(body).expect(202);
      expect(asked.body).toMatchObject({ action: 'market.create', asset: 'USDC', amount: '5000.000000', status: 'PENDING' });
      await request(first.url).get(`/api/v1/markets/${asked.body.targetId}`).expect(404);
      await request(first.url).post(`/api/v1/admin/approvals/${asked.body.id}/approve`).set(admin.auth).expect(403);
      const approved = await request(first.url).post(`/api/v1/admin/approvals/${asked.body.id}/approve`).set(otherAdmin.auth).expect(200);
      expect(approved.body.result).toMatchObject({ id: asked.body.targetId, status: 'OPEN', subsidy: '5000.000000', question: body.question });
      expect(await marketOf(first, asked.body.targetId)).toMatchObject({ status: 'OPEN' });
      const [row] = (await audit({ target: asked.body.targetId, action: 'market.create' })).data;
      expect(row).toMatchObject({ actorId: otherAdmin.id, before: null, after: { id: asked.body.targetId, requestedBy: admin.id } });
      expect((await reconcile(first, admin)).ok).toBe(true);
    });
  });

  describe('approval expiry (ADMIN_APPROVAL_TTL_MS, 24 h by default)', () => {
    const DAY_MS = 86_400_000;
    /** The approval was asked 25 hours ago as far as anyone can tell (expiry is computed from created_at). */
    const askedLongAgo = (id: string) => db(first).query(`UPDATE admin_approvals SET created_at = created_at - interval '25 hours' WHERE id = $1`, [id]);
    const approvals = async (status?: string) =>
      (await request(first.url).get('/api/v1/admin/approvals').query(status ? { status, limit: 100 } : { limit: 100 }).set(admin.auth).expect(200)).body.data as { id: string; status: string; expiresAt: string | null }[];
    const idsOf = (rows: { id: string }[]) => rows.map((row) => row.id);
    const ledgerEntriesOf = async (user: TestUser) =>
      ((await db(first).query(`SELECT count(*)::int AS n FROM ledger_entries e JOIN accounts a ON a.id = e.account_id WHERE a.user_id = $1`, [user.id])) as { n: number }[])[0].n;

    it('an expired adjustment reads EXPIRED, cannot be approved (409 ApprovalExpired, nothing moves), can be rejected, and can be asked again', async () => {
      const user = await createFundedUser(first);
      const asked = (await request(first.url).post(`/api/v1/admin/accounts/${user.id}/adjustments`).set(admin.auth).send({ asset: 'USDC', amount: '2500', reason: 'OTC deposit #13' }).expect(202)).body;
      expect(asked).toMatchObject({ status: 'PENDING', expiresAt: new Date(Date.parse(asked.createdAt) + DAY_MS).toISOString() });
      await askedLongAgo(asked.id);

      const shown = (await approvals()).find((row) => row.id === asked.id)!;
      expect(shown.status).toBe('EXPIRED');
      expect(Date.parse(shown.expiresAt!)).toBeLessThan(Date.now());
      expect(idsOf(await approvals('EXPIRED'))).toContain(asked.id);
      expect(idsOf(await approvals('PENDING'))).not.toContain(asked.id);
      expect((await approvals('EXPIRED')).every((row) => row.status === 'EXPIRED')).toBe(true);
      expect((await approvals('PENDING')).every((row) => row.status === 'PENDING')).toBe(true);

      const entriesBefore = await ledgerEntriesOf(user);
      const refused = await request(first.url).post(`/api/v1/admin/approvals/${asked.id}/approve`).set(otherAdmin.auth).set('Idempotency-Key', `expired-${asked.id}`).expect(409);
      expect(refused.body).toMatchObject({ error: 'ApprovalExpired', details: { status: 'EXPIRED', expiredAt: shown.expiresAt } });
      expect(refused.body.message).toContain(`Approval ${asked.id} expired at ${shown.expiresAt}`);
      expect((await balancesOf(first, user)).USDC.available).toBe('1000.000000');
      expect(await ledgerEntriesOf(user)).toBe(entriesBefore);
      expect((await audit({ target: user.id, action: 'account.adjustment' })).data).toEqual([]);
      expect((await audit({ target: asked.id })).data.map((row: { action: string }) => row.action)).toEqual(['approval.requested']);

      const rejected = await request(first.url).post(`/api/v1/admin/approvals/${asked.id}/reject`).set(admin.auth).send({ reason: 'stale' }).expect(200);
      expect(rejected.body).toMatchObject({ status: 'REJECTED', reason: 'stale', decidedBy: admin.id, expiresAt: null });
      expect(idsOf(await approvals('EXPIRED'))).not.toContain(asked.id);
      const [rejection] = (await audit({ target: asked.id, action: 'approval.rejected' })).data;
      expect(rejection).toMatchObject({ before: { status: 'EXPIRED' }, after: { status: 'REJECTED' } });
      expect((await request(first.url).post(`/api/v1/admin/approvals/${asked.id}/approve`).set(otherAdmin.auth).expect(409)).body).toMatchObject({ error: 'ApprovalNotPending' });

      const again = (await request(first.url).post(`/api/v1/admin/accounts/${user.id}/adjustments`).set(admin.auth).send({ asset: 'USDC', amount: '2500', reason: 'OTC deposit #13' }).expect(202)).body;
      expect(again).toMatchObject({ status: 'PENDING' });
      await request(first.url).post(`/api/v1/admin/approvals/${again.id}/approve`).set(otherAdmin.auth).expect(200);
      expect((await balancesOf(first, user)).USDC.available).toBe('3500.000000');
      expect((await reconcile(first, admin)).ok).toBe(true);
    });

    it('a withdrawal (one pending approval at a time) can be asked about again once its approval expired, whether or not it was rejected', async () => {
      const user = await createFundedUser(first);
      await request(first.url).post(`/api/v1/admin/accounts/${user.id}/adjustments`).set(admin.auth).send({ asset: 'USDC', amount: '900', reason: 'Prize' }).expect(201);
      const withdrawal = (
        await request(first.url).post('/api/v1/accounts/me/withdrawals').set(user.auth).send({ asset: 'USDC', amount: '1800', chain: 'dev', toAddress: DEV_ADDRESS }).expect(201)
      ).body;
      const askApproval = () => request(first.url).post(`/api/v1/admin/withdrawals/${withdrawal.id}/approve`).set(admin.auth);
      const stale = (await askApproval().expect(202)).body;
      await askedLongAgo(stale.id);

      // Not rejected: the new request stores the expired one as EXPIRED and takes its place.
      const fresh = (await askApproval().expect(202)).body;
      expect(fresh).toMatchObject({ action: 'withdrawal.approve', targetId: withdrawal.id, status: 'PENDING' });
      expect(fresh.id).not.toBe(stale.id);
      const [{ status: stored }] = (await db(first).query(`SELECT status FROM admin_approvals WHERE id = $1`, [stale.id])) as { status: string }[];
      expect(stored).toBe('EXPIRED');
      expect(idsOf(await approvals('EXPIRED'))).toContain(stale.id);
      expect(idsOf(await approvals('PENDING'))).toEqual(expect.arrayContaining([fresh.id]));
      expect(idsOf(await approvals('PENDING'))).not.toContain(stale.id);
      const trail = (await audit({ target: stale.id })).data;
      expect(trail.map((row: { action: string }) => row.action)).toEqual(['approval.expired', 'approval.requested']);
      expect(trail[0]).toMatchObject({ actorId: admin.id, before: { status: 'PENDING' }, after: { status: 'EXPIRED', replacedBy: fresh.id } });
      expect((await askApproval().expect(409)).body).toMatchObject({ error: 'ApprovalAlreadyPending', details: { approvalId: fresh.id } });
      expect((await request(first.url).post(`/api/v1/admin/approvals/${stale.id}/approve`).set(otherAdmin.auth).expect(409)).body).toMatchObject({ error: 'ApprovalExpired' });

      // Rejected once expired: that frees the withdrawal too, and the next request's approval clears it.
      await askedLongAgo(fresh.id);
      await request(first.url).post(`/api/v1/admin/approvals/${fresh.id}/approve`).set(otherAdmin.auth).expect(409);
      const list = await request(first.url).get('/api/v1/accounts/me/withdrawals').set(user.auth).expect(200);
      expect(list.body.data[0]).toMatchObject({ id: withdrawal.id, status: 'PENDING', approvedAt: null });
      await request(first.url).post(`/api/v1/admin/approvals/${fresh.id}/reject`).set(otherAdmin.auth).send({ reason: 'expired' }).expect(200);
      const last = (await askApproval().expect(202)).body;
      const approved = await request(first.url).post(`/api/v1/admin/approvals/${last.id}/approve`).set(otherAdmin.auth).expect(200);
      expect(approved.body).toMatchObject({ status: 'APPROVED', result: { id: withdrawal.id, status: 'PENDING', approvedAt: expect.any(String) } });
      // A stored EXPIRED approval may still be closed for good.
      expect((await request(first.url).post(`/api/v1/admin/approvals/${stale.id}/reject`).set(admin.auth).send({}).expect(200)).body).toMatchObject({ status: 'REJECTED' });
    });
  });

  describe('the ledger’s sanity cap', () => {
    it('refuses a single posting above LEDGER_MAX_POSTING with 422, even approved by two admins', async () => {
      const user = await createFundedUser(first);
      const absurd = `1${'0'.repeat(60)}`;
      const asked = await request(first.url).post(`/api/v1/admin/accounts/${user.id}/adjustments`).set(admin.auth).send({ asset: 'USDC', amount: absurd, reason: 'fat finger' }).expect(202);
      const refused = await request(first.url).post(`/api/v1/admin/approvals/${asked.body.id}/approve`).set(otherAdmin.auth).expect(422);
      expect(refused.body).toMatchObject({ error: 'PostingTooLarge', details: { asset: 'USDC', max: '1000000' } });
      expect(refused.body.message).toContain('exceeds LEDGER_MAX_POSTING (1000000 USDC)');
      // Nothing moved, nothing was marked approved, nothing audited as done.
      const approvals = await request(first.url).get('/api/v1/admin/approvals').query({ status: 'PENDING', limit: 100 }).set(admin.auth).expect(200);
      expect(approvals.body.data.map((approval: { id: string }) => approval.id)).toContain(asked.body.id);
      expect((await balancesOf(first, user)).USDC.available).toBe('1000.000000');
      expect((await audit({ target: user.id, action: 'account.adjustment' })).data).toEqual([]);
      await request(first.url).post(`/api/v1/admin/approvals/${asked.body.id}/reject`).set(admin.auth).send({}).expect(200);
      expect((await reconcile(first, admin)).ok).toBe(true);
    });
  });

  describe('the audit trail', () => {
    it('records admin writes whose service does not audit itself, filters, and is append-only', async () => {
      const startedAt = new Date(Date.now() - 1000).toISOString();
      await request(first.url).post('/api/v1/admin/realtime/broadcast').set(otherAdmin.auth).send({ message: 'Upgrade at six', startsAt: '2026-12-03T18:00:00Z' }).expect(202);
      const rows = (await audit({ actor: otherAdmin.id, from: startedAt })).data;
      expect(rows[0]).toMatchObject({ action: 'POST /api/v1/admin/realtime/broadcast', targetType: 'route', before: { message: 'Upgrade at six' }, after: { message: 'Upgrade at six' } });
      expect((await audit({ actor: otherAdmin.id, to: startedAt, action: 'POST /api/v1/admin/realtime/broadcast' })).data).toEqual([]);
      const paged = await audit({ limit: '1', page: '2' });
      expect(paged.meta).toMatchObject({ page: 2, limit: 1 });
      await request(first.url).get('/api/v1/admin/audit').query({ from: 'yesterday' }).set(admin.auth).expect(400);
      await request(first.url).get('/api/v1/admin/audit').set((await createTestUser(first)).auth).expect(403);

      await expect(db(first).query(`UPDATE admin_audit SET action = 'tampered'`)).rejects.toThrow(/append-only/);
      await expect(db(first).query(`DELETE FROM admin_audit`)).rejects.toThrow(/append-only/);
    });

    type Row = { action: string; targetType: string; targetId: string; before: unknown; after: unknown; requestId: string };
    const ofRequest = async (requestId: string, startedAt: string) =>
      ((await audit({ actor: otherAdmin.id, from: startedAt, limit: '100' })).data as Row[]).filter((row) => row.requestId === requestId);

    it('a perps market change is audited once, in its own transaction, with the row as it was and as it became', async () => {
      const startedAt = new Date(Date.now() - 1000).toISOString();
      const symbol = 'ADA_USDC_PERP';
      const changed = await request(first.url).patch(`/api/v1/admin/perps/${symbol}`).set(otherAdmin.auth).set('X-Request-Id', 'perp-audit-1').send({ halted: true, takerFeeBps: 7 }).expect(200);
      expect(changed.body).toMatchObject({ halted: true, takerFeeBps: 7 });
      const rows = await ofRequest('perp-audit-1', startedAt);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ action: 'perp.update', targetType: 'perp_market', targetId: symbol, after: { symbol, halted: true, takerFeeBps: 7 } });
      expect(rows[0].before).toMatchObject({ symbol, halted: false, maxLeverage: changed.body.maxLeverage });

      // A refused change (leverage × maintenance ≥ 100%) rolls its audit row back with it.
      await request(first.url).patch(`/api/v1/admin/perps/${symbol}`).set(otherAdmin.auth).set('X-Request-Id', 'perp-audit-2').send({ maxLeverage: 500, maintenanceMarginBps: 50 }).expect(400);
      expect(await ofRequest('perp-audit-2', startedAt)).toEqual([]);
      await request(first.url).patch(`/api/v1/admin/perps/${symbol}`).set(otherAdmin.auth).send({ halted: false }).expect(200);
    });

    it('a rounds settings change and a pause are audited once each, with the settings row before and after', async () => {
      const startedAt = new Date(Date.now() - 1000).toISOString();
      const current = (await request(first.url).get('/api/v1/admin/rounds/config').set(otherAdmin.auth).expect(200)).body;
      await request(first.url).put('/api/v1/admin/rounds/config').set(otherAdmin.auth).set('X-Request-Id', 'rounds-audit-1').send({ maxTicks: current.maxTicks + 1 }).expect(200);
      const [config, ...extra] = await ofRequest('rounds-audit-1', startedAt);
      expect(extra).toEqual([]);
      expect(config).toMatchObject({ action: 'rounds.config', targetType: 'round_settings', targetId: 'rounds', after: { overrides: { maxTicks: current.maxTicks + 1 }, paused: current.paused } });
      expect((config.before as { overrides: Record<string, unknown> }).overrides.maxTicks).not.toBe(current.maxTicks + 1);

      await request(first.url).post('/api/v1/admin/rounds/pause').set(otherAdmin.auth).set('X-Request-Id', 'rounds-audit-2').expect(200);
      expect(await ofRequest('rounds-audit-2', startedAt)).toEqual([
        expect.objectContaining({ action: 'rounds.pause', targetId: 'rounds', before: expect.objectContaining({ paused: current.paused }), after: expect.objectContaining({ paused: true }) }),
      ]);
      await request(first.url).post('/api/v1/admin/rounds/resume').set(otherAdmin.auth).expect(200);
      await request(first.url).put('/api/v1/admin/rounds/config').set(otherAdmin.auth).send({ maxTicks: current.maxTicks }).expect(200);
    });
  });

  describe('the last admin', () => {
    it('two admins demoting each other at once: one wins, the other is refused with 409 LastAdminRefused', async () => {
      const data = db(first);
      const [alice, bob] = [await createAdmin(first), await createAdmin(first)];
      // Only these two are admins from here on (every suite makes its own admins; this one runs last in the file).
      await data.query(`UPDATE users SET roles = array_remove(roles, 'admin') WHERE 'admin' = ANY(roles) AND id <> ALL($1::uuid[])`, [[alice.id, bob.id]]);
      // Both requests pass the guard, then queue on the admins' row locks the test holds.
      const blocker = data.createQueryRunner();
      await blocker.connect();
      await blocker.startTransaction();
      await blocker.query(`SELECT id FROM users WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`, [[alice.id, bob.id]]);
      let answers: request.Response[];
      try {
        const both = Promise.all([
          request(first.url).post(`/api/v1/admin/users/${bob.id}/roles`).set(alice.auth).send({ roles: ['user'] }),
          request(first.url).post(`/api/v1/admin/users/${alice.id}/roles`).set(bob.auth).send({ roles: ['user'] }),
        ]);
        await eventually(async () => expect(await waitingOnLocks(data)).toBeGreaterThanOrEqual(2), 5000);
        await blocker.commitTransaction();
        answers = await both;
      } finally {
        if (blocker.isTransactionActive) await blocker.rollbackTransaction();
        await blocker.release();
      }
      expect(answers.map((answer) => answer.status).sort()).toEqual([200, 409]);
      expect(answers.find((answer) => answer.status === 409)!.body).toMatchObject({ error: 'LastAdminRefused' });
      const [{ admins }] = (await data.query(`SELECT count(*)::int AS admins FROM users WHERE 'admin' = ANY(roles) AND status = 'active'`)) as { admins: number }[];
      expect(admins).toBe(1);
      // The suite's own admins get their role back for anything after.
      await data.query(`UPDATE users SET roles = array_append(roles, 'admin') WHERE id = ANY($1::uuid[]) AND NOT ('admin' = ANY(roles))`, [[admin.id, otherAdmin.id]]);
    });
  });
});

/** Opens a transaction holding every position row of the market locked (the settlement job's batch waits on it). */
async function lockPositions(dataSource: DataSource, marketId: string): Promise<QueryRunner> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  await runner.startTransaction();
  await runner.query(`SELECT id FROM market_positions WHERE market_id = $1 FOR UPDATE`, [marketId]);
  return runner;
}

async function waitingOnLocks(dataSource: DataSource): Promise<number> {
  const [{ waiting }] = (await dataSource.query(`SELECT count(*)::int AS waiting FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`)) as {
    waiting: number;
  }[];
  return waiting;
}
