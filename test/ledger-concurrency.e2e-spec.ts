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

  it('does not remember a failed attempt: the same key can succeed after the cause is fixed', async () => {
    const user = await createFundedUser(running);
    const key = 'retry-after-top-up';
    await request(running.url).post('/api/v1/accounts/me/withdrawals').set(user.auth).set('Idempotency-Key', key).send(withdrawal('150')).expect(422);
    await request(running.url).post(`/api/v1/admin/accounts/${user.id}/adjustments`).set(admin.auth).send({ asset: 'USDC', amount: '50', reason: 'top up' }).expect(201);
    const success = await request(running.url).post('/api/v1/accounts/me/withdrawals').set(user.auth).set('Idempotency-Key', key).send(withdrawal('150')).expect(201);
    expect(success.headers['idempotent-replayed']).toBeUndefined();
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
