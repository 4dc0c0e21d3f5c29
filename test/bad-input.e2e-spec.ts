import request from 'supertest';
import { createAdmin } from './support/ledger';
import { createHouseMarket } from './support/markets';
import { RunningApp, startTestApp } from './support/test-app';
import { TestUser } from './support/users';

const ERROR_SHAPE = { statusCode: expect.any(Number), error: expect.any(String), message: expect.any(String), requestId: expect.any(String) };
const REQUIRED_ROUND_SETTINGS = ['tickMs', 'feeBps', 'sideBetWindow', 'maxTicks', 'minStake', 'maxStake', 'sideBetMultiplier'];

/** Arrays nested `levels` deep, as raw JSON text (JSON.stringify itself would recurse that deep). */
function nestedArrays(levels: number): string {
  return '['.repeat(levels) + ']'.repeat(levels);
}

describe('Bad input answers 4xx in the error shape, never 500 (e2e)', () => {
  let running: RunningApp;
  let admin: TestUser;

  beforeAll(async () => {
    running = await startTestApp();
    admin = await createAdmin(running);
  });

  afterAll(async () => {
    await running.close();
  });

  describe('PUT /api/v1/admin/rounds/config', () => {
    const put = (body: unknown) => request(running.url).put('/api/v1/admin/rounds/config').set(admin.auth).send(body as object);

    it.each(REQUIRED_ROUND_SETTINGS)('refuses null %s with 400 naming the field, and saves nothing', async (field) => {
      const before = (await request(running.url).get('/api/v1/admin/rounds/config').set(admin.auth).expect(200)).body;
      const response = await put({ [field]: null, ...(field === 'feeBps' ? {} : { feeBps: before.feeBps === 100 ? 101 : 100 }) }).expect(400);
      expect(response.body).toMatchObject({ ...ERROR_SHAPE, error: 'ValidationFailed', details: [{ field, messages: [`${field} must not be null (leave it out instead)`] }] });
      expect((await request(running.url).get('/api/v1/admin/rounds/config').set(admin.auth).expect(200)).body).toEqual(before);
    });

    it('refuses a stake with more decimals than USDC has, and a zero multiplier, with 400', async () => {
      const before = (await request(running.url).get('/api/v1/admin/rounds/config').set(admin.auth).expect(200)).body;
      const tooPrecise = await put({ minStake: '0.0000001' }).expect(400);
      expect(tooPrecise.body).toMatchObject({ error: 'ValidationFailed', details: [{ field: 'minStake', messages: ['minStake must have at most 6 decimal places'] }] });
      const zero = await put({ sideBetMultiplier: '0' }).expect(400);
      expect(zero.body).toMatchObject({ error: 'ValidationFailed', details: [{ field: 'sideBetMultiplier' }] });
      await put({ sideBetMultiplier: '0.0000' }).expect(400);
      expect((await request(running.url).get('/api/v1/admin/rounds/config').set(admin.auth).expect(200)).body).toEqual(before);
    });
  });

  describe('PATCH /api/v1/admin/markets/:id', () => {
    it.each(['question', 'category', 'description', 'closesAt'])('refuses null %s with 400 (omit a field to keep it)', async (field) => {
      const market = await createHouseMarket(running, admin);
      const response = await request(running.url).patch(`/api/v1/admin/markets/${market.id}`).set(admin.auth).send({ [field]: null }).expect(400);
      expect(response.body).toMatchObject({ ...ERROR_SHAPE, details: [{ field }] });
      expect((await request(running.url).get(`/api/v1/markets/${market.id}`).expect(200)).body[field]).toEqual(market[field]);
    });

    it('clears the description with an empty string', async () => {
      const market = await createHouseMarket(running, admin);
      const response = await request(running.url).patch(`/api/v1/admin/markets/${market.id}`).set(admin.auth).send({ description: '' }).expect(200);
      expect(response.body.description).toBe('');
    });
  });

  describe('deeply nested JSON', () => {
    it('answers 400 before parsing goes deep, on a field and at the top level, with or without an Idempotency-Key', async () => {
      const deepField = `{"email":${nestedArrays(1500)}}`;
      const signIn = await request(running.url).post('/api/v1/auth/email').set('Content-Type', 'application/json').send(deepField).expect(400);
      expect(signIn.body).toEqual({ ...ERROR_SHAPE, statusCode: 400, message: 'JSON body nests arrays or objects more than 32 levels deep' });

      const market = await createHouseMarket(running, admin);
      const deepTop = await request(running.url)
        .post(`/api/v1/markets/${market.id}/buy`)
        .set(admin.auth)
        .set('Idempotency-Key', `deep-${market.id}`)
        .set('Content-Type', 'application/json')
        .send(nestedArrays(5000))
        .expect(400);
      expect(deepTop.body).toMatchObject(ERROR_SHAPE);
    });

    it('accepts ordinary nesting', async () => {
      const market = await createHouseMarket(running, admin, { outcomes: ['A', 'B', 'C'], initialProbabilities: ['0.5', '0.25', '0.25'] });
      expect(market.outcomes).toHaveLength(3);
    });
  });

  describe('malformed ids', () => {
    it.each([
      ['DELETE', '/api/v1/auth/sessions/{id}', 'NotFound', 'Session'],
      ['POST', '/api/v1/admin/users/{id}/ban', 'NotFound', 'User'],
      ['POST', '/api/v1/admin/accounts/{id}/adjustments', 'NotFound', 'User', { asset: 'USDC', amount: '1', reason: 'sweep' }],
      ['POST', '/api/v1/accounts/me/withdrawals/{id}/cancel', 'NotFound', 'Withdrawal'],
      ['POST', '/api/v1/admin/withdrawals/{id}/reject', 'NotFound', 'Withdrawal'],
      ['GET', '/api/v1/markets/{id}', 'NotFound', 'Market'],
      ['PATCH', '/api/v1/admin/markets/{id}', 'NotFound', 'Market'],
      ['GET', '/api/v1/rounds/{id}', 'RoundNotFound', 'Round'],
      ['POST', '/api/v1/rounds/3f0c1b8e-9a4d-4c2e-8f71-2b6d5e4a9c10/positions/{id}/close', 'RoundPositionNotFound', 'Position'],
    ])('%s %s answers a malformed id with the same 404 as a uuid of nothing', async (method, template, error, noun, body: object = {}) => {
      const agent = request(running.url);
      const verb = method.toLowerCase() as 'get' | 'post' | 'patch' | 'delete';
      const call = (id: string) =>
        agent[verb](template.replace('{id}', id))
          .set(admin.auth)
          .send(method === 'GET' || method === 'DELETE' ? undefined : body);
      const malformed = await call('not-a-uuid').expect(404);
      expect(malformed.body).toMatchObject({ ...ERROR_SHAPE, error, message: expect.stringMatching(new RegExp(`^${noun} not-a-uuid not found`)) });
      if (error !== 'RoundPositionNotFound') expect((await call('3f0c1b8e-9a4d-4c2e-8f71-2b6d5e4a9c10').expect(404)).body.error).toBe(error);
    });
  });

  describe('page and limit', () => {
    it.each([
      ['page=abc', 'page must be an integer number'],
      ['page=1.5', 'page must be an integer number'],
      ['page=0', 'page must not be less than 1'],
      ['page=1000001', 'page must not be greater than 1000000'],
      ['limit=101', 'limit must not be greater than 100'],
      ['limit=', 'limit must not be less than 1'],
    ])('?%s reports only the rule it breaks', async (query, message) => {
      const response = await request(running.url).get(`/api/v1/markets?${query}`).expect(400);
      expect(response.body).toMatchObject({ error: 'ValidationFailed', message, details: [{ field: query.split('=')[0], messages: [message] }] });
    });
  });

  describe('routes outside /api/v1', () => {
    it.each(['/nonexistent', '/api/v2/markets', '//api/v1/markets', '/api/v1x'])('GET %s answers 404 in the JSON error shape', async (path) => {
      const response = await request(running.url).get(path).set('X-Request-Id', 'outside-404').expect(404).expect('Content-Type', /json/);
      expect(response.body).toEqual({ statusCode: 404, error: 'NotFound', message: `Cannot GET ${path}`, requestId: 'outside-404' });
    });

    it('answers a malformed JSON body outside the API with 400 in the error shape', async () => {
      const response = await request(running.url).post('/nonexistent').set('Content-Type', 'application/json').send('{bad').expect(400);
      expect(response.body).toMatchObject({ ...ERROR_SHAPE, statusCode: 400 });
    });
  });
});
