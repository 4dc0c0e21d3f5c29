import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { AppConfig } from '../src/config/app-config';
import { signInWithSiwe, siweProof } from './support/sign-in';
import { RunningApp, startTestApp } from './support/test-app';
import { createTestUser } from './support/users';

/** A fresh key prefix, so counts from other suites (all on 127.0.0.1) or earlier runs within the minute do not count. */
function isolatedLimits(limits: { signIn: number; refresh: number; general: number }): Record<string, string> {
  return {
    REDIS_KEY_PREFIX: `cm-test-throttle-${randomUUID().slice(0, 8)}`,
    RATE_LIMIT_AUTH_PER_MINUTE: String(limits.signIn),
    RATE_LIMIT_REFRESH_PER_MINUTE: String(limits.refresh),
    RATE_LIMIT_PER_MINUTE: String(limits.general),
  };
}

const refresh = (running: RunningApp, refreshToken: string) => request(running.url).post('/api/v1/auth/refresh').send({ refreshToken });

function expectLimited(response: request.Response, bucket: string, limit: number) {
  expect(response.status).toBe(429);
  expect(response.body).toMatchObject({ statusCode: 429, error: 'TooManyRequests', details: { bucket, limit, windowSeconds: 60 } });
}

describe('rate limits with the shipped defaults (e2e)', () => {
  let running: RunningApp;
  const defaults = AppConfig.fromEnv({});

  beforeAll(async () => {
    running = await startTestApp(
      isolatedLimits({ signIn: defaults.rateLimitAuthPerMinute, refresh: defaults.rateLimitRefreshPerMinute, general: defaults.rateLimitPerMinute }),
    );
  });

  afterAll(async () => {
    await running.close();
  });

  it('lets a developer sign in 20 times in a row from one IP, refreshing and listing sessions each time', async () => {
    for (let attempt = 0; attempt < 20; attempt++) {
      const session = await signInWithSiwe(running);
      const rotated = await refresh(running, session.refreshToken).expect(200);
      await request(running.url).get('/api/v1/auth/sessions').set('Authorization', `Bearer ${rotated.body.accessToken}`).expect(200);
    }
    // An email link on top still fits the sign-in bucket.
    await request(running.url).post('/api/v1/auth/email').send({ email: `dev-${Date.now()}@example.com` }).expect(202);
  });
});

describe('rate-limit buckets trip on their own (e2e)', () => {
  const started: RunningApp[] = [];
  const start = async (overrides: Record<string, string>) => {
    const running = await startTestApp(overrides);
    started.push(running);
    return running;
  };

  afterAll(async () => {
    await Promise.all(started.map((running) => running.close()));
  });

  it('sign-in: nonces, proofs and email links share one per-IP bucket across instances; refresh and the session list still work', async () => {
    const overrides = isolatedLimits({ signIn: 4, refresh: 100, general: 100 });
    const first = await start(overrides);
    const second = await start(overrides);
    const session = await signInWithSiwe(first); // nonce + verify: 2 of 4
    await request(second.url).post('/api/v1/auth/siwe/nonce').expect(201);
    await request(first.url).post('/api/v1/auth/email').send({ email: `a-${Date.now()}@example.com` }).expect(202);

    const limited = await request(second.url).post('/api/v1/auth/siwe/nonce');
    expectLimited(limited, 'sign-in', 4);
    expect(limited.body.message).toContain('Too many sign-in requests from this IP: at most 4 per 60 s');
    expect(limited.body.requestId).toEqual(expect.any(String));
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(limited.body.details.retryAfterSeconds).toBe(Number(limited.headers['retry-after']));
    expectLimited(await request(first.url).post('/api/v1/auth/email').send({ email: `b-${Date.now()}@example.com` }), 'sign-in', 4);
    expectLimited(await request(first.url).post('/api/v1/auth/aptos/nonce').send({ address: '0x1' }), 'sign-in', 4);
    // Neither another spelling of the path nor a bearer token of a throwaway account buys a fresh bucket,
    // and linking another method counts as a sign-in attempt.
    expectLimited(await request(first.url).post('/API/v1/auth/siwe/nonce'), 'sign-in', 4);
    const throwaway = await createTestUser(first);
    expectLimited(await request(first.url).post('/api/v1/auth/siwe/nonce').set(throwaway.auth), 'sign-in', 4);
    expectLimited(await request(first.url).post('/api/v1/me/link/email').set(throwaway.auth).send({ email: `c-${Date.now()}@example.com` }), 'sign-in', 4);

    // The other buckets are untouched.
    const rotated = await refresh(second, session.refreshToken).expect(200);
    const auth = { Authorization: `Bearer ${rotated.body.accessToken}` };
    await request(first.url).get('/api/v1/auth/sessions').set(auth).expect(200);
    await request(first.url).get('/api/v1/me').set(auth).expect(200);
    await request(first.url).post('/api/v1/auth/logout').set(auth).expect(204);
  });

  it('refresh: its own per-IP bucket; sign-in and the session list still work', async () => {
    const running = await start(isolatedLimits({ signIn: 4, refresh: 3, general: 100 }));
    const session = await signInWithSiwe(running); // 2 of 4 sign-in requests
    let refreshToken = session.refreshToken;
    for (let i = 0; i < 3; i++) refreshToken = (await refresh(running, refreshToken).expect(200)).body.refreshToken;
    const limited = await refresh(running, refreshToken);
    expectLimited(limited, 'refresh', 3);
    expect(limited.body.message).toContain('Too many token refreshes from this IP: at most 3 per 60 s');
    expect(limited.headers['retry-after']).toBeDefined();

    const again = await signInWithSiwe(running); // 4 of 4: still allowed
    await request(running.url).get('/api/v1/auth/sessions').set(again.auth).expect(200);
    await request(running.url).delete(`/api/v1/auth/sessions/${randomUUID()}`).set(again.auth).expect(404);
  });

  it('general: per user, covers the session list and logout; another user, refresh and sign-in are unaffected; probes never count', async () => {
    const running = await start(isolatedLimits({ signIn: 100, refresh: 100, general: 5 }));
    const heavy = await signInWithSiwe(running);
    const light = await createTestUser(running);
    for (let i = 0; i < 3; i++) await request(running.url).get('/api/v1/auth/sessions').set(heavy.auth).expect(200);
    await request(running.url).get('/api/v1/me').set(heavy.auth).expect(200);
    await request(running.url).delete(`/api/v1/auth/sessions/${randomUUID()}`).set(heavy.auth).expect(404);
    const limited = await request(running.url).get('/api/v1/auth/sessions').set(heavy.auth);
    expectLimited(limited, 'default', 5);
    expect(limited.body.message).toContain('Too many requests: at most 5 per 60 s');
    expectLimited(await request(running.url).post('/api/v1/auth/logout').set(heavy.auth), 'default', 5);

    await request(running.url).get('/api/v1/auth/sessions').set(light.auth).expect(200);
    await refresh(running, heavy.refreshToken).expect(200);
    await request(running.url).post('/api/v1/auth/siwe/verify').send(await siweProof(running)).expect(200);
    for (let i = 0; i < 8; i++) await request(running.url).get('/health').expect(200);
  });
});
