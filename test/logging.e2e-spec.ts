import request from 'supertest';
import { assertBuilt, freePort, startServer, type ServerProcess } from './support/server-process';
import { SmtpSink } from './support/smtp-sink';

type LogLine = Record<string, unknown>;

/**
 * The server as deployed logs (LOG_FORMAT=json): every stdout line is one JSON object, each request is one
 * line with its request id, user id, route, status and duration, and no email, token or secret is written.
 */
describe('structured logs of a running server (e2e)', () => {
  let smtp: SmtpSink;
  let server: ServerProcess;
  let url: string;
  let lines: LogLine[];
  let stdout = '';
  const email = `log-reader-${Date.now()}@example.com`;
  let magicToken: string;
  let accessToken: string;
  let refreshToken: string;
  let userId: string;

  beforeAll(async () => {
    assertBuilt();
    smtp = await new SmtpSink().start();
    const port = await freePort();
    server = startServer({ PORT: String(port), SMTP_URL: smtp.url, ROUNDS_ENGINE_ENABLED: 'false', PRICE_FEED_ENABLED: 'false', ENGINE_ENABLED: 'false' });
    server.child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    await server.waitForLog(/listening on/);
    url = `http://127.0.0.1:${port}`;

    await request(url).post('/api/v1/auth/email').send({ email }).expect(202);
    magicToken = /[?&]token=([A-Za-z0-9_-]+)/.exec((await smtp.waitFor(email)).data)![1]!;
    const signedIn = await request(url).get('/api/v1/auth/email/verify').query({ token: magicToken }).expect(200);
    ({ accessToken, refreshToken } = signedIn.body as { accessToken: string; refreshToken: string });
    userId = (signedIn.body as { user: { id: string } }).user.id;
    await request(url).get('/api/v1/accounts/me').set({ Authorization: `Bearer ${accessToken}`, 'X-Request-Id': 'log-test-me' }).expect(200);
    await request(url).post('/api/v1/auth/refresh').set('X-Request-Id', 'log-test-refresh').send({ refreshToken: 'not-a-refresh-token' }).expect(401);
    await request(url).get('/api/v1/markets/00000000-0000-4000-8000-000000000000').set('X-Request-Id', 'log-test-404').expect(404);

    server.child.kill('SIGTERM');
    await server.exited;
    lines = stdout
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as LogLine);
  }, 90_000);

  afterAll(async () => {
    if (server && server.child.exitCode === null) server.child.kill('SIGKILL');
    await smtp?.stop();
  });

  const requestLine = (requestId: string) => lines.find((line) => line.context === 'HTTP' && line.requestId === requestId);

  it('writes only JSON lines, each with level, time and message', () => {
    expect(lines.length).toBeGreaterThan(5);
    for (const line of lines) expect(line).toMatchObject({ level: expect.any(String), time: expect.any(String), message: expect.any(String) });
  });

  it('writes one line per request with request id, user id, route, status and duration', () => {
    expect(requestLine('log-test-me')).toMatchObject({
      level: 'info',
      requestId: 'log-test-me',
      userId,
      method: 'GET',
      route: '/api/v1/accounts/me',
      path: '/api/v1/accounts/me',
      status: 200,
      durationMs: expect.any(Number),
      message: expect.stringMatching(/^GET \/api\/v1\/accounts\/me 200 [\d.]+ms$/),
    });
    expect(requestLine('log-test-404')).toMatchObject({ route: '/api/v1/markets/:id', status: 404 });
    expect(requestLine('log-test-404')).not.toHaveProperty('userId');
    expect(requestLine('log-test-refresh')).toMatchObject({ route: '/api/v1/auth/refresh', status: 401 });
    expect(lines.filter((line) => line.requestId === 'log-test-me' && line.context === 'HTTP')).toHaveLength(1);
    // The magic link's token never reaches the line, not even in the path.
    const verify = lines.find((line) => line.context === 'HTTP' && line.route === '/api/v1/auth/email/verify');
    expect(verify).toMatchObject({ path: '/api/v1/auth/email/verify', status: 200 });
  });

  it('writes no email, magic-link token, access token or refresh token anywhere', () => {
    expect(stdout).not.toContain(email);
    expect(stdout).not.toContain(magicToken);
    expect(stdout).not.toContain(accessToken);
    expect(stdout).not.toContain(refreshToken);
    expect(stdout).not.toContain('not-a-refresh-token');
  });
});
