import request from 'supertest';
import { createAdmin } from './support/ledger';
import { RunningApp, startTestApp } from './support/test-app';
import { createTestUser, TestUser } from './support/users';

/**
 * The `support` role as a client sees it: granted by an admin through the roles endpoint, it opens Bull Board
 * read-only and reads the audit trail and the reconciliation report, but every admin write answers 403 and
 * every board action 405. A plain user gets 403 everywhere; an admin keeps the full board.
 */
describe('support role (e2e)', () => {
  let running: RunningApp;
  let admin: TestUser;
  let support: TestUser;
  let plain: TestUser;

  beforeAll(async () => {
    running = await startTestApp();
    admin = await createAdmin(running);
    support = await createTestUser(running);
    plain = await createTestUser(running);
  });

  afterAll(async () => {
    await running?.close();
  });

  const boardActions = ['/admin/queues/api/queues/withdrawals/retry/failed', '/admin/queues/api/queues/withdrawals/clean/completed', '/admin/queues/api/queues/withdrawals/pause'];

  it('is granted through POST /admin/users/:id/roles and recorded in the audit trail', async () => {
    const granted = await request(running.url).post(`/api/v1/admin/users/${support.id}/roles`).set(admin.auth).send({ roles: ['support'] }).expect(200);
    expect(granted.body.roles).toEqual(['user', 'support']);
    const audit = await request(running.url).get('/api/v1/admin/audit').query({ action: 'user.roles', target: support.id }).set(admin.auth).expect(200);
    expect(audit.body.data[0]).toMatchObject({ action: 'user.roles', after: { roles: ['user', 'support'] } });
  });

  it('refuses a role that does not exist with 400', async () => {
    const refused = await request(running.url).post(`/api/v1/admin/users/${plain.id}/roles`).set(admin.auth).send({ roles: ['superuser'] }).expect(400);
    expect(JSON.stringify(refused.body)).toContain('admin, support');
  });

  it('shows support the read-only board and refuses its retry, clean and pause calls (405)', async () => {
    const page = await request(running.url).get('/admin/queues').set(support.auth).expect(200);
    expect(page.text).toContain('<!DOCTYPE html>');
    await request(running.url).get('/admin/queues').set('Cookie', `${running.config.authCookieName}=${support.token}`).expect(200);
    const queues = await request(running.url).get('/admin/queues/api/queues').set(support.auth).expect(200);
    const listed = (queues.body as { queues: { name: string; readOnlyMode: boolean }[] }).queues;
    expect(listed.length).toBeGreaterThan(0);
    expect(listed.every((queue) => queue.readOnlyMode)).toBe(true);
    for (const action of boardActions) {
      await request(running.url).put(action).set(support.auth).expect(405);
    }
  });

  it('keeps the full board for admins', async () => {
    const queues = await request(running.url).get('/admin/queues/api/queues').set(admin.auth).expect(200);
    expect((queues.body as { queues: { readOnlyMode: boolean }[] }).queues.every((queue) => !queue.readOnlyMode)).toBe(true);
    await request(running.url).put('/admin/queues/api/queues/withdrawals/retry/failed').set(admin.auth).expect(200);
    await request(running.url).put('/admin/queues/api/queues/withdrawals/clean/completed').set(admin.auth).expect(200);
  });

  it('lets support read the audit trail and the reconciliation report, and nothing else of the admin API', async () => {
    const audit = await request(running.url).get('/api/v1/admin/audit').set(support.auth).expect(200);
    expect(audit.body.data.length).toBeGreaterThan(0);
    const reconciliation = await request(running.url).get('/api/v1/admin/ledger/reconciliation').set(support.auth).expect(200);
    expect(reconciliation.body.ok).toBe(true);
    await request(running.url).get('/api/v1/admin/users').set(support.auth).expect(403);
    await request(running.url).get('/api/v1/admin/approvals').set(support.auth).expect(403);
  });

  it('refuses every admin write to support (403), and nothing is written', async () => {
    const before = (await request(running.url).get('/api/v1/admin/audit').set(admin.auth).expect(200)).body.meta.total;
    const grant = await request(running.url).post(`/api/v1/admin/users/${support.id}/roles`).set(support.auth).send({ roles: ['support', 'admin'] }).expect(403);
    expect(grant.body).toMatchObject({ statusCode: 403, error: 'Forbidden' });
    await request(running.url).post(`/api/v1/admin/users/${plain.id}/ban`).set(support.auth).expect(403);
    await request(running.url).post(`/api/v1/admin/accounts/${plain.id}/adjustments`).set(support.auth).set('Idempotency-Key', 'support-adjust-1').send({ asset: 'USDC', amount: '5.000000', reason: 'support may not' }).expect(403);
    expect((await request(running.url).get('/api/v1/me').set(support.auth).expect(200)).body.roles).toEqual(['user', 'support']);
    expect((await request(running.url).get('/api/v1/admin/audit').set(admin.auth).expect(200)).body.meta.total).toBe(before);
  });

  it('gives a plain user 403 on the board, the audit trail, the report and admin writes', async () => {
    await request(running.url).get('/admin/queues').set(plain.auth).expect(403);
    await request(running.url).put(boardActions[0]).set(plain.auth).expect(403);
    await request(running.url).get('/api/v1/admin/audit').set(plain.auth).expect(403);
    await request(running.url).get('/api/v1/admin/ledger/reconciliation').set(plain.auth).expect(403);
    await request(running.url).post(`/api/v1/admin/users/${plain.id}/roles`).set(plain.auth).send({ roles: ['support'] }).expect(403);
  });

  it('loses the board and the audit trail again when the role is taken away', async () => {
    await request(running.url).post(`/api/v1/admin/users/${support.id}/roles`).set(admin.auth).send({ roles: [] }).expect(200);
    await request(running.url).get('/admin/queues').set(support.auth).expect(403);
    await request(running.url).get('/api/v1/admin/audit').set(support.auth).expect(403);
  });
});
