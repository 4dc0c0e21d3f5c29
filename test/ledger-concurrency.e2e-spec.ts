import request from 'supertest';
import { RunningApp, startTestApp } from './support/test-app';
import { balancesOf, createAdmin, createFundedUser, db, DEV_ADDRESS, reconcile } from './support/ledger';
import { SlowIdempotentProbeModule } from './support/slow-idempotent-probe.module';
import { TestUser } from './support/users';

const withdrawal = (amount: string) => ({ asset: 'USDC', amount, chain: 'dev', toAddress: DEV_ADDRESS });

describe('ledger under concurrency and retries (e2e)', () => {
  let running: RunningApp;
  let admin: TestUser;

  beforeAll(async () => {
    running = await startTestApp({ STARTING_BALANCE: '100', IDEMPOTENCY_WAIT_MS: '300' }, [SlowIdempotentProbeModule]);
    admin = await createAdmin(running);
  });

  afterAll(async () => {
    await running.close();
  });

  it('50 parallel withdrawals of 60 from 100: exactly one succeeds, the rest are InsufficientFunds', async () => {
    const user = await createFundedUser(running);
    const responses = await Promise.all(
      Array.from({ length: 50 }, () => request(running.url).post('/api/v1/accounts/me/withdrawals').set(user.auth).send(withdrawal('60'))),
    );
    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 201)).toHaveLength(1);
    expect(statuses.filter((status) => status === 422)).toHaveLength(49);
    for (const response of responses.filter((item) => item.status === 422)) expect(response.body.error).toBe('InsufficientFunds');

    expect((await balancesOf(running, user)).USDC).toEqual({ asset: 'USDC', available: '40.000000', locked: '60.000000' });
    const [{ n }] = await db(running).query(`SELECT count(*)::int AS n FROM withdrawals WHERE user_id = $1`, [user.id]);
    expect(n).toBe(1);
    expect((await reconcile(running, admin)).ok).toBe(true);
  });

  it('50 parallel requests with one Idempotency-Key: one withdrawal, one ledger transaction, 50 identical responses', async () => {
    const user = await createFundedUser(running);
    const key = `withdraw-${user.id}`;
    const responses = await Promise.all(
      Array.from({ length: 50 }, () =>
        request(running.url).post('/api/v1/accounts/me/withdrawals').set(user.auth).set('Idempotency-Key', key).send(withdrawal('10')),
      ),
    );
    const first = responses[0];
    expect(first.status).toBe(201);
    for (const response of responses) {
      expect(response.status).toBe(201);
      expect(response.text).toBe(first.text);
    }
    expect(responses.filter((response) => response.headers['idempotent-replayed'] === 'true')).toHaveLength(49);

    const [{ n }] = await db(running).query(`SELECT count(*)::int AS n FROM ledger_transactions WHERE reference = $1`, [`withdrawal:${first.body.id}`]);
    expect(n).toBe(1);
    expect((await balancesOf(running, user)).USDC).toEqual({ asset: 'USDC', available: '90.000000', locked: '10.000000' });

    // A later retry replays too and still moves nothing.
    const retry = await request(running.url).post('/api/v1/accounts/me/withdrawals').set(user.auth).set('Idempotency-Key', key).send(withdrawal('10')).expect(201);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.body).toEqual(first.body);
    expect((await balancesOf(running, user)).USDC.available).toBe('90.000000');
  });

  it('refuses the same key with a different body (422) and scopes keys per user', async () => {
    const user = await createFundedUser(running);
    const key = 'shared-key-1';
    await request(running.url).post('/api/v1/accounts/me/withdrawals').set(user.auth).set('Idempotency-Key', key).send(withdrawal('1')).expect(201);
    const mismatch = await request(running.url).post('/api/v1/accounts/me/withdrawals').set(user.auth).set('Idempotency-Key', key).send(withdrawal('2')).expect(422);
    expect(mismatch.body.error).toBe('IdempotencyKeyMismatch');

    const other = await createFundedUser(running);
    const own = await request(running.url).post('/api/v1/accounts/me/withdrawals').set(other.auth).set('Idempotency-Key', key).send(withdrawal('2')).expect(201);
    expect(own.headers['idempotent-replayed']).toBeUndefined();
  });

  it('remembers a client error too: a retry with the key replays the same 4xx, a new key runs again', async () => {
    const user = await createFundedUser(running);
    const key = 'retry-after-top-up';
    const first = await request(running.url).post('/api/v1/accounts/me/withdrawals').set(user.auth).set('Idempotency-Key', key).send(withdrawal('150')).expect(422);
    expect(first.body.error).toBe('InsufficientFunds');
    await request(running.url).post(`/api/v1/admin/accounts/${user.id}/adjustments`).set(admin.auth).send({ asset: 'USDC', amount: '50', reason: 'top up' }).expect(201);

    // Same key and body: the stored answer, with the replay's own requestId, and nothing moves.
    const replay = await request(running.url).post('/api/v1/accounts/me/withdrawals').set(user.auth).set('Idempotency-Key', key).send(withdrawal('150')).expect(422);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    const { requestId: firstRequestId, ...firstAnswer } = first.body as { requestId: string };
    const { requestId: replayRequestId, ...replayAnswer } = replay.body as { requestId: string };
    expect(replayAnswer).toEqual(firstAnswer);
    expect(replayRequestId).toBe(replay.headers['x-request-id']);
    expect(replayRequestId).not.toBe(firstRequestId);
    expect((await balancesOf(running, user)).USDC).toEqual({ asset: 'USDC', available: '150.000000', locked: '0.000000' });
    // The first attempt inserted its withdrawal before the hold failed: rolled back with it, only the answer stayed.
    const [{ n }] = await db(running).query(`SELECT count(*)::int AS n FROM withdrawals WHERE user_id = $1`, [user.id]);
    expect(n).toBe(0);

    // A validation error (400) and a NotFound (404) are answers too.
    await request(running.url).post('/api/v1/accounts/me/withdrawals').set(user.auth).set('Idempotency-Key', 'bad-body').send({ asset: 'USDC' }).expect(400);
    const badAgain = await request(running.url).post('/api/v1/accounts/me/withdrawals').set(user.auth).set('Idempotency-Key', 'bad-body').send({ asset: 'USDC' }).expect(400);
    expect(badAgain.headers['idempotent-replayed']).toBe('true');
    const missing = '00000000-0000-4000-8000-000000000000';
    await request(running.url).post(`/api/v1/accounts/me/withdrawals/${missing}/cancel`).set(user.auth).set('Idempotency-Key', 'cancel-missing').expect(404);
    const missingAgain = await request(running.url).post(`/api/v1/accounts/me/withdrawals/${missing}/cancel`).set(user.auth).set('Idempotency-Key', 'cancel-missing').expect(404);
    expect(missingAgain.headers['idempotent-replayed']).toBe('true');

    const fresh = await request(running.url).post('/api/v1/accounts/me/withdrawals').set(user.auth).set('Idempotency-Key', `${key}-2`).send(withdrawal('150')).expect(201);
    expect(fresh.headers['idempotent-replayed']).toBeUndefined();
    const [{ state, response_status }] = await db(running).query(`SELECT state, response_status FROM idempotency_keys WHERE scope = $1 AND key = $2`, [user.id, key]);
    expect({ state, response_status }).toEqual({ state: 'completed', response_status: 422 });
  });

  it('does not store a 500: the retry with the same key runs again', async () => {
    const user = await createFundedUser(running);
    const note = `flaky-${user.id}`;
    await request(running.url).post('/api/v1/probe/flaky').set(user.auth).set('Idempotency-Key', 'flaky-1').send({ note }).expect(500);
    const retry = await request(running.url).post('/api/v1/probe/flaky').set(user.auth).set('Idempotency-Key', 'flaky-1').send({ note }).expect(201);
    expect(retry.headers['idempotent-replayed']).toBeUndefined();
    const replay = await request(running.url).post('/api/v1/probe/flaky').set(user.auth).set('Idempotency-Key', 'flaky-1').send({ note }).expect(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body).toEqual(retry.body);
  });

  it('answers 409 while the first request with the key is still in flight, and 400 for a key over 255 characters', async () => {
    const user = await createFundedUser(running);
    const slow = request(running.url).post('/api/v1/probe/slow').set(user.auth).set('Idempotency-Key', 'slow-1').send({ note: 'a' });
    const firstDone = slow.then((response) => response);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const inFlight = await request(running.url).post('/api/v1/probe/slow').set(user.auth).set('Idempotency-Key', 'slow-1').send({ note: 'a' }).expect(409);
    expect(inFlight.body.error).toBe('IdempotencyKeyInFlight');
    const first = await firstDone;
    expect(first.status).toBe(201);
    const replay = await request(running.url).post('/api/v1/probe/slow').set(user.auth).set('Idempotency-Key', 'slow-1').send({ note: 'a' }).expect(201);
    expect(replay.body).toEqual(first.body);

    const tooLong = await request(running.url).post('/api/v1/accounts/me/withdrawals').set(user.auth).set('Idempotency-Key', 'k'.repeat(256)).send(withdrawal('1')).expect(400);
    expect(tooLong.body.details).toEqual([{ field: 'Idempotency-Key', messages: [expect.stringContaining('1 to 255')] }]);
  });

  it('keeps balances exact when an admin adjusts many users at once', async () => {
    const users = await Promise.all(Array.from({ length: 20 }, () => createFundedUser(running)));
    await Promise.all(
      users.flatMap((user) =>
        Array.from({ length: 3 }, (_, index) =>
          request(running.url)
            .post(`/api/v1/admin/accounts/${user.id}/adjustments`)
            .set(admin.auth)
            .send({ asset: 'USDC', amount: index % 2 ? '-1.5' : '2.25', reason: 'churn' })
            .expect(201),
        ),
      ),
    );
    for (const user of users) expect((await balancesOf(running, user)).USDC.available).toBe('103.000000');
    expect((await reconcile(running, admin)).ok).toBe(true);
  });
});
