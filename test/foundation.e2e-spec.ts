import request from 'supertest';
import { io } from 'socket.io-client';
import { RunningApp, startTestApp } from './support/test-app';
import { ValidationProbeModule } from './support/validation-probe.module';

describe('foundation (e2e)', () => {
  let running: RunningApp;

  beforeAll(async () => {
    running = await startTestApp({}, [ValidationProbeModule]);
  });

  afterAll(async () => {
    await running.close();
  });

  it('GET /health answers ok', async () => {
    const response = await request(running.url).get('/health').expect(200);
    expect(response.body.status).toBe('ok');
  });

  it('GET /ready checks PostgreSQL and Redis', async () => {
    const response = await request(running.url).get('/ready').expect(200);
    expect(response.body).toMatchObject({ status: 'ok', checks: { database: { status: 'up' }, redis: { status: 'up' } } });
  });

  it('serves the OpenAPI document with bearer auth and the routes', async () => {
    const response = await request(running.url).get('/docs-json').expect(200);
    expect(response.body.openapi).toMatch(/^3\./);
    expect(response.body.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(Object.keys(response.body.paths)).toEqual(expect.arrayContaining(['/health', '/ready']));
    await request(running.url).get('/docs').expect(200).expect('Content-Type', /html/);
  });

  it('answers an unknown route with 404 in the error shape', async () => {
    const response = await request(running.url).get('/api/v1/no-such-route').set('X-Request-Id', 'probe-404').expect(404);
    expect(response.body).toEqual({
      statusCode: 404,
      error: 'NotFound',
      message: 'Cannot GET /api/v1/no-such-route',
      requestId: 'probe-404',
    });
  });

  it('echoes a caller request id and generates one otherwise', async () => {
    const echoed = await request(running.url).get('/health').set('X-Request-Id', 'abc-123');
    expect(echoed.headers['x-request-id']).toBe('abc-123');
    const generated = await request(running.url).get('/health');
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const unsafe = await request(running.url).get('/health').set('X-Request-Id', 'bad id with spaces');
    expect(unsafe.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers a malformed JSON body with 400 in the error shape', async () => {
    const response = await request(running.url)
      .post('/api/v1/no-such-route')
      .set('Content-Type', 'application/json')
      .send('{"broken": ');
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ statusCode: 400, error: 'BadRequest', requestId: expect.any(String) });
  });

  it('answers a validation failure with 400 naming every field', async () => {
    const response = await request(running.url)
      .post('/api/v1/probe')
      .send({ name: 'x', item: { quantity: 0 }, extra: true })
      .expect(400);
    expect(response.body).toMatchObject({ statusCode: 400, error: 'ValidationFailed', requestId: expect.any(String) });
    const fields = (response.body.details as { field: string }[]).map((problem) => problem.field).sort();
    expect(fields).toEqual(['extra', 'item.quantity', 'name']);
    expect(response.body.message).toContain('name must be longer than or equal to 3 characters');
  });

  it('refuses NUL characters with 400 rather than failing in PostgreSQL', async () => {
    const response = await request(running.url).post('/api/v1/probe').send({ name: 'ab\u0000c', item: { quantity: 1 } }).expect(400);
    expect(response.body.message).toContain('must not contain NUL');
  });

  it('transforms and accepts a valid body', async () => {
    const response = await request(running.url).post('/api/v1/probe').send({ name: 'valid', item: { quantity: 2 } }).expect(201);
    expect(response.body).toEqual({ name: 'valid', item: { quantity: 2 } });
  });

  it('sets security headers', async () => {
    const response = await request(running.url).get('/health');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['x-powered-by']).toBeUndefined();
  });

  it('exposes Prometheus metrics', async () => {
    const response = await request(running.url).get('/metrics').expect(200);
    expect(response.text).toContain('http_request_duration_seconds');
  });

  it('accepts Socket.IO connections on /socket.io through the Redis adapter', async () => {
    const socket = io(running.url, { transports: ['websocket'], reconnection: false });
    try {
      const reply = await new Promise<{ serverTime: number }>((resolve, reject) => {
        socket.on('connect_error', reject);
        socket.on('connect', () => socket.emit('ping', {}, resolve));
      });
      expect(Math.abs(reply.serverTime - Date.now())).toBeLessThan(5000);
    } finally {
      socket.close();
    }
  });
});
