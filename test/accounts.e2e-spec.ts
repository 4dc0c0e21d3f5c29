import { EventEmitter2 } from '@nestjs/event-emitter';
import request from 'supertest';
import { getQueueToken } from '@nestjs/bullmq';
import { Queue } from 'bullmq';
import { ReconciliationProcessor, LEDGER_RECONCILIATION_QUEUE } from '../src/accounts/reconciliation.processor';
import { ReconciliationService } from '../src/accounts/reconciliation.service';
import { AccountsEvent, BalanceChangedEvent } from '../src/accounts/accounts.events';
import { RunningApp, startTestApp } from './support/test-app';
import { balancesOf, createAdmin, createFundedUser, db, DEV_ADDRESS, reconcile } from './support/ledger';
import { createTestUser, TestUser } from './support/users';

describe('accounts, withdrawals and admin adjustments (e2e)', () => {
  let running: RunningApp;
  let admin: TestUser;

  beforeAll(async () => {
    running = await startTestApp({ STARTING_BALANCE: '1000' });
    admin = await createAdmin(running);
  });

  afterAll(async () => {
    await running.close();
  });

  it('opens the account on first need and grants the starting balance once, even to parallel first calls', async () => {
    const user = await createTestUser(running);
    const responses = await Promise.all(Array.from({ length: 10 }, () => request(running.url).get('/api/v1/accounts/me').set(user.auth)));
    for (const response of responses) {
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ userId: user.id, balances: [{ asset: 'USDC', available: '1000.000000', locked: '0.000000' }] });
    }
    const grants = await db(running).query(`SELECT count(*)::int AS n FROM ledger_transactions WHERE idempotency_key = $1`, [
      `starting-balance:${user.id}:USDC`,
    ]);
    expect(grants[0].n).toBe(1);

    const ledger = await request(running.url).get('/api/v1/accounts/me/ledger').set(user.auth).expect(200);
    expect(ledger.body.data).toEqual([
      expect.objectContaining({ kind: 'promotion.starting-balance', reference: `user:${user.id}`, asset: 'USDC', bucket: 'available', amount: '1000.000000', balanceAfter: '1000.000000' }),
    ]);
    expect(ledger.body.meta).toEqual({ page: 1, limit: 20, total: 1, totalPages: 1, hasNext: false, hasPrevious: false });
  });

  it('holds a withdrawal, lists it, and releases the hold on cancel (once)', async () => {
    const user = await createFundedUser(running);
    const created = await request(running.url)
      .post('/api/v1/accounts/me/withdrawals')
      .set(user.auth)
      .send({ asset: 'USDC', amount: '60.5', chain: 'dev', toAddress: DEV_ADDRESS.toLowerCase() })
      .expect(201);
    expect(created.body).toEqual({
      id: expect.any(String),
      asset: 'USDC',
      amount: '60.500000',
      chain: 'dev',
      toAddress: DEV_ADDRESS,
      status: 'PENDING',
      approvedAt: expect.any(String),
      txHash: null,
      reason: null,
      createdAt: expect.any(String),
    });
    expect((await balancesOf(running, user)).USDC).toEqual({ asset: 'USDC', available: '939.500000', locked: '60.500000' });

    const list = await request(running.url).get('/api/v1/accounts/me/withdrawals').set(user.auth).expect(200);
    expect(list.body.data).toEqual([created.body]);
    expect(list.body.meta.total).toBe(1);

    const other = await createFundedUser(running);
    await request(running.url).post(`/api/v1/accounts/me/withdrawals/${created.body.id}/cancel`).set(other.auth).expect(404);

    const cancelled = await request(running.url).post(`/api/v1/accounts/me/withdrawals/${created.body.id}/cancel`).set(user.auth).expect(200);
    expect(cancelled.body.status).toBe('CANCELLED');
    await request(running.url).post(`/api/v1/accounts/me/withdrawals/${created.body.id}/cancel`).set(user.auth).expect(409);
    expect((await balancesOf(running, user)).USDC).toEqual({ asset: 'USDC', available: '1000.000000', locked: '0.000000' });

    const ledger = await request(running.url).get('/api/v1/accounts/me/ledger?limit=2&asset=USDC').set(user.auth).expect(200);
    expect(ledger.body.data.map((entry: { kind: string; bucket: string; amount: string }) => [entry.kind, entry.bucket, entry.amount])).toEqual([
      ['withdrawal.cancel', 'available', '60.500000'],
      ['withdrawal.cancel', 'locked', '-60.500000'],
    ]);
    expect(ledger.body.meta).toEqual({ page: 1, limit: 2, total: 5, totalPages: 3, hasNext: true, hasPrevious: false });
  });

  it.each([
    [{ amount: '1.1234567' }, 'amount', 'at most 6 decimal places'],
    [{ amount: '0' }, 'amount', 'greater than zero'],
    [{ amount: '-5' }, 'amount', 'greater than zero'],
    [{ amount: '1e3' }, 'amount', 'exponent'],
    [{ amount: 'ten' }, 'amount', 'decimal string'],
    [{ amount: 10 }, 'amount', 'decimal string'],
    [{ amount: '1'.repeat(73) }, 'amount', 'too large'],
    [{ asset: 'DOGE' }, 'asset', 'not a known asset'],
    [{ chain: 'moon' }, 'chain', 'configured chains: dev'],
    [{ toAddress: '0x1234' }, 'toAddress', 'not a valid dev address'],
    [{ toAddress: DEV_ADDRESS.replace('C', 'c') }, 'toAddress', 'not a valid dev address'],
  ])('refuses a withdrawal with %j as a 400 naming %s', async (change, field, message) => {
    const user = await createFundedUser(running);
    const body = { asset: 'USDC', amount: '1', chain: 'dev', toAddress: DEV_ADDRESS, ...change };
    const response = await request(running.url).post('/api/v1/accounts/me/withdrawals').set(user.auth).send(body).expect(400);
    expect(response.body.error).toBe('ValidationFailed');
    expect(response.body.details).toEqual([{ field, messages: [expect.stringContaining(message)] }]);
  });

  it('refuses a page beyond the supported range as a 400, not a database error', async () => {
    const user = await createFundedUser(running);
    const response = await request(running.url).get('/api/v1/accounts/me/ledger').query({ page: '1e300' }).set(user.auth).expect(400);
    expect(response.body.details).toEqual([{ field: 'page', messages: [expect.stringContaining('1000000')] }]);
  });

  it('lets an admin adjust both ways and reject a withdrawal; refuses everyone else', async () => {
    const user = await createFundedUser(running);
    const path = `/api/v1/admin/accounts/${user.id}/adjustments`;
    await request(running.url).post(path).set(user.auth).send({ asset: 'USDC', amount: '5', reason: 'self-service' }).expect(403);

    const credit = await request(running.url).post(path).set(admin.auth).send({ asset: 'USDC', amount: '25.25', reason: 'Refund #1' }).expect(201);
    expect(credit.body).toMatchObject({ userId: user.id, asset: 'USDC', amount: '25.250000', available: '1025.250000', locked: '0.000000', reason: 'Refund #1' });
    const debit = await request(running.url).post(path).set(admin.auth).send({ asset: 'USDC', amount: '-1025.25', reason: 'Chargeback' }).expect(201);
    expect(debit.body).toMatchObject({ amount: '-1025.250000', available: '0.000000' });
    const refused = await request(running.url).post(path).set(admin.auth).send({ asset: 'USDC', amount: '-0.000001', reason: 'Too far' }).expect(422);
    expect(refused.body).toMatchObject({ error: 'InsufficientFunds', message: 'Available balance 0.000000 USDC is less than 0.000001 USDC' });
    await request(running.url).post(path).set(admin.auth).send({ asset: 'USDC', amount: '0', reason: 'zero' }).expect(400);
    await request(running.url)
      .post('/api/v1/admin/accounts/00000000-0000-4000-8000-000000000000/adjustments')
      .set(admin.auth)
      .send({ asset: 'USDC', amount: '1', reason: 'ghost' })
      .expect(404);

    await request(running.url).post(path).set(admin.auth).send({ asset: 'USDC', amount: '100', reason: 'Top up' }).expect(201);
    const withdrawal = await request(running.url)
      .post('/api/v1/accounts/me/withdrawals')
      .set(user.auth)
      .send({ asset: 'USDC', amount: '100', chain: 'dev', toAddress: DEV_ADDRESS })
      .expect(201);
    await request(running.url).post(`/api/v1/admin/withdrawals/${withdrawal.body.id}/reject`).set(user.auth).send({}).expect(403);
    const rejected = await request(running.url)
      .post(`/api/v1/admin/withdrawals/${withdrawal.body.id}/reject`)
      .set(admin.auth)
      .send({ reason: 'Sanctioned address' })
      .expect(200);
    expect(rejected.body.status).toBe('REJECTED');
    await request(running.url).post(`/api/v1/accounts/me/withdrawals/${withdrawal.body.id}/cancel`).set(user.auth).expect(409);
    expect((await balancesOf(running, user)).USDC).toEqual({ asset: 'USDC', available: '100.000000', locked: '0.000000' });
  });

  it('emits balance.changed after each committed change, and nothing for a refused one', async () => {
    const user = await createFundedUser(running);
    const seen: BalanceChangedEvent[] = [];
    const listener = (event: BalanceChangedEvent) => {
      if (event.userId === user.id) seen.push(event);
    };
    const events = running.app.get(EventEmitter2);
    events.on(AccountsEvent.BalanceChanged, listener);
    try {
      await request(running.url).post('/api/v1/accounts/me/withdrawals').set(user.auth).send({ asset: 'USDC', amount: '5000', chain: 'dev', toAddress: DEV_ADDRESS }).expect(422);
      await request(running.url).post('/api/v1/accounts/me/withdrawals').set(user.auth).send({ asset: 'USDC', amount: '5', chain: 'dev', toAddress: DEV_ADDRESS }).expect(201);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(seen).toEqual([{ userId: user.id, asset: 'USDC', available: '995.000000', locked: '5.000000' }]);
    } finally {
      events.off(AccountsEvent.BalanceChanged, listener);
    }
  });

  it('keeps the ledger append-only and reconciled', async () => {
    await expect(db(running).query(`UPDATE ledger_entries SET amount = amount + 1`)).rejects.toThrow(/append-only/);
    await expect(db(running).query(`DELETE FROM ledger_transactions`)).rejects.toThrow(/append-only/);
    const report = await reconcile(running, admin);
    expect(report).toMatchObject({ ok: true, assets: [{ asset: 'USDC', sumOfEntries: '0.000000', mismatches: [] }] });
    expect(report.assets[0].accountsChecked).toBeGreaterThan(0);
  });

  it('schedules the reconciliation every 10 minutes and reports it on /metrics', async () => {
    const queue = running.app.get<Queue>(getQueueToken(LEDGER_RECONCILIATION_QUEUE));
    const scheduler = await queue.getJobScheduler('ledger-reconciliation-every-10-minutes');
    expect(scheduler?.pattern).toBe('*/10 * * * *');
    await expect(running.app.get(ReconciliationProcessor).process()).resolves.toEqual({ ok: true });
    const metrics = await request(running.url).get('/metrics').expect(200);
    expect(metrics.text).toMatch(/ledger_reconciliation_runs_total\{result="ok"\} [1-9]/);
    expect(metrics.text).toContain('ledger_reconciliation_mismatches{asset="USDC"} 0');
  });

  it('detects a cached balance that disagrees with its entries', async () => {
    const user = await createFundedUser(running);
    await db(running).query(`UPDATE accounts SET available = available + 1 WHERE user_id = $1`, [user.id]);
    try {
      const report = await reconcile(running, admin);
      expect(report.ok).toBe(false);
      expect(report.assets[0].mismatches).toEqual([
        expect.objectContaining({ type: 'cachedBalance', owner: `user:${user.id}`, bucket: 'available', cached: '1000.000001', entries: '1000.000000' }),
      ]);
      await running.app.get(ReconciliationService).runAndReport();
      const metrics = await request(running.url).get('/metrics').expect(200);
      expect(metrics.text).toContain('ledger_reconciliation_mismatches{asset="USDC"} 1');
      expect(metrics.text).toMatch(/ledger_reconciliation_runs_total\{result="mismatch"\} [1-9]/);
    } finally {
      await db(running).query(`UPDATE accounts SET available = available - 1 WHERE user_id = $1`, [user.id]);
    }
    expect((await running.app.get(ReconciliationService).runAndReport()).ok).toBe(true);
  });
});
