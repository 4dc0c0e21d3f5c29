import request from 'supertest';
import { ReconciliationService } from '../src/accounts/reconciliation.service';
import { RunningApp, startTestApp } from './support/test-app';
import { createAdmin, createFundedUser } from './support/ledger';
import { createHouseMarket, waitForMarket } from './support/markets';
import { closeSockets, connectSocket } from './support/sockets';
import { createTestUser } from './support/users';

/** Every sample line of `name` (any labels) in a Prometheus text exposition, as [labels, value]. */
function samples(text: string, name: string): [string, number][] {
  const pattern = new RegExp(`^${name}(\\{[^}]*\\})? (\\S+)$`, 'gm');
  return [...text.matchAll(pattern)].map((match) => [match[1] ?? '', Number(match[2])]);
}

function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  return samples(text, name).find(([found]) => wanted.every((pair) => found.includes(pair)))?.[1];
}

describe('Observability (e2e)', () => {
  let running: RunningApp;

  beforeAll(async () => {
    running = await startTestApp();
  });

  afterAll(async () => {
    closeSockets();
    await running?.close();
  });

  describe('/metrics after some traffic', () => {
    let text: string;
    let buyRequestId: string;
    let resolveRequestId: string;
    const tradeMeta: unknown[] = [];
    const balanceMeta: unknown[] = [];

    beforeAll(async () => {
      const admin = await createAdmin(running);
      const user = await createFundedUser(running);
      const socket = await connectSocket(running, { auth: { token: user.token } });
      socket.on('balance:update', (_balance: unknown, meta: unknown) => balanceMeta.push(meta));
      const market = await createHouseMarket(running, admin);
      await socket.timeout(5000).emitWithAck('subscribe', { channel: `market:${market.id}` });
      socket.on('market:trade', (_trade: unknown, meta: unknown) => tradeMeta.push(meta));

      const buy = () =>
        request(running.url)
          .post(`/api/v1/markets/${market.id}/buy`)
          .set({ ...user.auth, 'Idempotency-Key': `observability-${market.id}` })
          .send({ outcome: 'Yes', amount: '5' })
          .expect(201);
      const first = await buy();
      buyRequestId = first.header['x-request-id'];
      expect((await buy()).header['idempotent-replayed']).toBe('true');
      await request(running.url).get('/api/v1/markets/00000000-0000-4000-8000-000000000000').expect(404);

      resolveRequestId = `resolve-${market.id}`;
      await request(running.url).post(`/api/v1/admin/markets/${market.id}/resolve`).set({ ...admin.auth, 'X-Request-Id': resolveRequestId }).send({ outcome: 'Yes' }).expect(200);
      // The settlement job pays the winner (a balance:update from the job) and completes.
      await waitForMarket(running, market.id, (m) => m.settledAt !== null);
      await running.app.get(ReconciliationService).runAndReport();
      // settledAt commits inside the job; the worker counts the job once it has returned, a moment later.
      const deadline = Date.now() + 15_000;
      do {
        await new Promise((resolve) => setTimeout(resolve, 200));
        text = (await request(running.url).get('/metrics').expect(200).expect('Content-Type', /text\/plain/)).text;
      } while (sample(text, 'jobs_completed_total', { queue: 'market-resolution' }) === undefined && Date.now() < deadline);
    });

    it('has HTTP latency histograms per route, idempotency replays, and the socket and broadcast metrics', () => {
      expect(sample(text, 'http_request_duration_seconds_count', { route: '/api/v1/markets/:id/buy', status: '201' })).toBe(2);
      expect(sample(text, 'http_request_duration_seconds_count', { route: '/api/v1/markets/:id', status: '404' })).toBeGreaterThanOrEqual(1);
      expect(sample(text, 'idempotency_replays_total', { route: '/api/v1/markets/:id/buy' })).toBe(1);
      expect(sample(text, 'realtime_connected_sockets', {})).toBeGreaterThanOrEqual(1);
      expect(sample(text, 'realtime_broadcast_seconds_count', { event: 'market:trade' })).toBeGreaterThanOrEqual(1);
    });

    it('counts trades and volume per venue, and reads open interest, the house balance and its P&L per venue', () => {
      expect(sample(text, 'venue_trades_total', { venue: 'prediction' })).toBeGreaterThanOrEqual(1);
      expect(sample(text, 'venue_volume_usdc_total', { venue: 'prediction' })).toBeGreaterThanOrEqual(5);
      expect(sample(text, 'venue_open_interest_usdc', { venue: 'prediction', asset: 'USDC' })).toBeGreaterThanOrEqual(0);
      expect(sample(text, 'venue_open_interest_usdc', { venue: 'perps', asset: 'USDC' })).toBeGreaterThanOrEqual(0);
      expect(sample(text, 'ledger_house_balance', { asset: 'USDC' })).toEqual(expect.any(Number));
      // The subsidy left the house when the market was created.
      expect(sample(text, 'venue_house_pnl_usdc', { venue: 'prediction', asset: 'USDC' })).toEqual(expect.any(Number));
    });

    it('reports queue depth, oldest waiting job, deadlines, completions, and the reconciliation result and drift', () => {
      for (const queue of ['market-resolution', 'market-close', 'round-settlement', 'withdrawals', 'ledger-reconciliation']) {
        expect(sample(text, 'job_queue_jobs', { queue, state: 'waiting' })).toBeGreaterThanOrEqual(0);
        expect(sample(text, 'job_queue_oldest_waiting_seconds', { queue })).toBeGreaterThanOrEqual(0);
        expect(sample(text, 'job_queue_deadline_seconds', { queue })).toBeGreaterThan(0);
      }
      expect(sample(text, 'jobs_completed_total', { queue: 'market-resolution' })).toBeGreaterThanOrEqual(1);
      expect(sample(text, 'ledger_reconciliation_ok', {})).toBe(1);
      expect(sample(text, 'ledger_reconciliation_drift', { asset: 'USDC' })).toBe(0);
      expect(sample(text, 'ledger_reconciliation_last_run_timestamp_seconds', {})).toBeGreaterThan(Date.now() / 1000 - 60);
    });

    it('declares the metrics that move only with a running engine, feed or failing job', () => {
      for (const name of [
        'engine_tick_lag_seconds',
        'round_tick_lag_seconds',
        'round_last_tick_age_seconds',
        'perp_feed_seconds_since_last_quote',
        'job_failures_total',
        'job_retries_total',
        'job_duration_seconds',
        'ledger_reconciliation_check_ok',
        'engine_queue_depth',
      ]) {
        expect(text).toContain(`# TYPE ${name} `);
      }
    });

    it('names the request that caused a broadcast, also from the job that request enqueued', () => {
      expect(tradeMeta).toContainEqual({ requestId: buyRequestId });
      expect(balanceMeta).toContainEqual({ requestId: buyRequestId });
      // The winner's payout comes from the settlement job the resolve request enqueued.
      expect(balanceMeta).toContainEqual({ requestId: resolveRequestId });
    });
  });

  describe('Bull Board at /admin/queues', () => {
    it('refuses anonymous callers (401) and non-admins (403) with the API error body', async () => {
      const anonymous = await request(running.url).get('/admin/queues').expect(401);
      expect(anonymous.body).toMatchObject({ statusCode: 401, error: 'Unauthorized', requestId: expect.any(String) });
      const user = await createTestUser(running);
      const refused = await request(running.url).get('/admin/queues').set(user.auth).expect(403);
      expect(refused.body).toMatchObject({ statusCode: 403, error: 'Forbidden' });
      await request(running.url).get('/admin/queues/api/queues').set(user.auth).expect(403);
      await request(running.url).get('/admin/queues').set({ Authorization: 'Bearer not-a-token' }).expect(401);
    });

    it('shows every queue to an admin, by bearer token or the sign-in cookie', async () => {
      const admin = await createTestUser(running, { roles: ['user', 'admin'] });
      const page = await request(running.url).get('/admin/queues').set(admin.auth).expect(200);
      expect(page.text).toContain('<!DOCTYPE html>');
      await request(running.url).get('/admin/queues').set('Cookie', `${running.config.authCookieName}=${admin.token}`).expect(200);
      const queues = await request(running.url).get('/admin/queues/api/queues').set(admin.auth).expect(200);
      const names = (queues.body as { queues: { name: string }[] }).queues.map((queue) => queue.name);
      expect(names).toEqual(expect.arrayContaining(['market-close', 'market-resolution', 'round-settlement', 'withdrawals', 'ledger-reconciliation', 'dividends', 'chain-settlement']));
    });
  });
});
