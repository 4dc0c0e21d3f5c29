import { readFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import request from 'supertest';
import type Redis from 'ioredis';
import { REDIS } from '../src/redis/redis.module';
import { PerpPrices, quotesKey } from '../src/trades/feed/perp-prices';
import { createAdmin, createFundedUser } from './support/ledger';
import { createHouseMarket } from './support/markets';
import { malformedRequests, MalformedRequest, OpenApiDocument } from './support/malformed-requests';
import { waitFor, withDatabase } from './support/rounds';
import { RunningApp, startTestApp } from './support/test-app';
import { createTestUser } from './support/users';

/**
 * Walks every operation of docs/openapi.json as anonymous, user, admin and with a garbage token,
 * with malformed bodies, path and query parameters and headers, and fails on any 5xx or any error
 * answer not in the documented shape `{statusCode, error, message, details?, requestId}`.
 */

/** Operations the sweep leaves out, each with why. Every other operation of the document is swept. */
const SKIPPED_OPERATIONS: Record<string, string> = {};

const CONCURRENCY = 8;
const ERROR_KEYS = new Set(['statusCode', 'error', 'message', 'details', 'requestId']);

interface Answer {
  status: number;
  contentType: string;
  text: string;
}

interface Finding {
  operation: string;
  identity: string;
  variant: string;
  status: number;
  problem: string;
  body: string;
}

function errorShapeProblem(answer: Answer): string | undefined {
  if (answer.status < 400) return undefined;
  if (answer.status >= 500) return 'server error';
  if (!answer.contentType.includes('application/json')) return `content type ${answer.contentType || 'none'}`;
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(answer.text) as Record<string, unknown>;
  } catch {
    return 'body is not JSON';
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return 'body is not an object';
  const extra = Object.keys(body).filter((key) => !ERROR_KEYS.has(key));
  if (extra.length > 0) return `unexpected keys ${extra.join(', ')}`;
  if (body.statusCode !== answer.status) return `statusCode ${String(body.statusCode)} differs from the HTTP status`;
  if (typeof body.error !== 'string' || body.error.length === 0) return 'error is not a non-empty string';
  if (typeof body.message !== 'string') return 'message is not a string';
  if (typeof body.requestId !== 'string') return 'requestId is not a string';
  return undefined;
}

function send(url: URL, agent: http.Agent, method: string, malformed: MalformedRequest, authorization?: string): Promise<Answer> {
  const body = malformed.body === undefined ? undefined : Buffer.isBuffer(malformed.body) ? malformed.body : Buffer.from(malformed.body);
  const headers: Record<string, string> = { ...malformed.headers };
  if (authorization) headers.Authorization = authorization;
  if (body) {
    headers['Content-Type'] = malformed.contentType ?? 'application/json';
    headers['Content-Length'] = String(body.length);
  }
  if (!('Idempotency-Key' in headers) && method !== 'GET') headers['Idempotency-Key'] = `sweep-${process.hrtime.bigint()}-${Math.random()}`;
  return new Promise((resolve, reject) => {
    const outgoing = http.request({ host: url.hostname, port: url.port, method, path: malformed.path + malformed.query, headers, agent }, (incoming) => {
      const chunks: Buffer[] = [];
      incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
      incoming.on('end', () =>
        resolve({ status: incoming.statusCode ?? 0, contentType: String(incoming.headers['content-type'] ?? ''), text: Buffer.concat(chunks).toString('utf8') }),
      );
      incoming.on('error', reject);
    });
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

/** Runs `work` over `items` with at most `limit` in flight. */
async function inParallel<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await work(items[next++]);
    }),
  );
}

describe('Operation sweep: malformed input never answers 5xx or leaves the error shape (e2e)', () => {
  let running: RunningApp;
  let document: OpenApiDocument;
  const known: Record<string, string> = {};

  beforeAll(async () => {
    document = JSON.parse(readFileSync(join(__dirname, '..', 'docs', 'openapi.json'), 'utf8')) as OpenApiDocument;
    // Prices flow (the seeded simulator), so a well-formed trade reaches the venue's rules instead of a 503 PriceFeedStale.
    running = await startTestApp({ PRICE_FEED_ENABLED: 'true', PRICE_FEED: 'simulator', PRICE_FEED_SEED: 'operation-sweep' });
    await waitFor('fresh perp prices', async () => {
      const prices = running.app.get(PerpPrices);
      return prices.symbols.every((symbol) => !prices.isStale(symbol));
    });
    // Real ids get a variant past the lookup to the checks behind it.
    const owner = await createAdmin(running);
    const target = await createFundedUser(running);
    known.market = (await createHouseMarket(running, owner)).id;
    known.user = target.id;
    const withdrawal = await request(running.url)
      .post('/api/v1/accounts/me/withdrawals')
      .set(target.auth)
      .send({ asset: 'USDC', amount: '1', chain: 'dev', toAddress: '0x71C7656EC7ab88b098defB751B7401B5f6d8976F' })
      .expect(201);
    known.withdrawal = withdrawal.body.id;
    const rounds = await request(running.url).get('/api/v1/rounds?limit=1').expect(200);
    if (rounds.body.data[0]) known.round = rounds.body.data[0].id;
  });

  afterAll(async () => {
    // The simulator's quotes stay in Redis under the suites' prefix; later suites start from no prices, as before.
    await running.app.get<Redis>(REDIS).del(quotesKey(running.config.redisKeyPrefix));
    await running.close();
    // The sweep may have paused rounds or changed their settings; later suites expect neither.
    await withDatabase(running.config.databaseUrl, (db) => db.query(`DELETE FROM round_settings`).then(() => undefined));
  });

  function knownPathValues(template: string): Record<string, string> {
    const values: Record<string, string> = {};
    if (/\/markets\/\{id\}/.test(template)) values.id = known.market;
    if (/\/admin\/users\/\{id\}/.test(template)) values.id = known.user;
    if (template.includes('{userId}')) values.userId = known.user;
    if (/withdrawals\/\{id\}/.test(template)) values.id = known.withdrawal;
    if (/\/rounds\/\{id\}/.test(template) && known.round) values.id = known.round;
    return values;
  }

  it('lists a reason for every skipped operation, and only real operations', () => {
    const operations = Object.entries(document.paths).flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`));
    for (const [operation, reason] of Object.entries(SKIPPED_OPERATIONS)) {
      expect(operations).toContain(operation);
      expect(reason.length).toBeGreaterThan(10);
    }
  });

  it('answers every malformed request of every operation with 2xx/4xx in the error shape', async () => {
    const url = new URL(running.url);
    const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    const findings: Finding[] = [];
    const startedAt = Date.now();
    let sent = 0;
    let operations = 0;
    try {
      for (const [template, methods] of Object.entries(document.paths)) {
        for (const [method, operation] of Object.entries(methods)) {
          const name = `${method.toUpperCase()} ${template}`;
          if (SKIPPED_OPERATIONS[name]) continue;
          operations += 1;
          // Fresh identities per operation: logout or a ban must not disarm the rest of the sweep.
          const user = await createTestUser(running);
          const admin = await createAdmin(running);
          const identities: Record<string, string | undefined> = {
            anonymous: undefined,
            user: user.auth.Authorization,
            admin: admin.auth.Authorization,
            'garbage token': 'Bearer not.a.jwt',
          };
          const variants = malformedRequests(document, template, operation, { knownPathValues: knownPathValues(template) });
          // An identity the guard refuses (401/403) gets only the variants that act before the guard; body-field
          // variants go with the first identity admitted only; every admitted identity gets all the others.
          const jobs: { identity: string; authorization?: string; variant: MalformedRequest }[] = [];
          let fieldsSent = false;
          for (const [identity, authorization] of Object.entries(identities)) {
            const probe = await send(url, agent, method.toUpperCase(), variants[0], authorization);
            const refused = probe.status === 401 || probe.status === 403;
            const withFields: boolean = !refused && !fieldsSent;
            fieldsSent ||= withFields;
            for (const variant of variants) {
              if (refused ? variant.beforeGuard : withFields || !variant.bodyField || variant.beforeGuard) jobs.push({ identity, authorization, variant });
            }
          }
          await inParallel(jobs, CONCURRENCY, async ({ identity, authorization, variant }) => {
            const answer = await send(url, agent, method.toUpperCase(), variant, authorization);
            sent += 1;
            const problem = errorShapeProblem(answer);
            if (problem) findings.push({ operation: name, identity, variant: variant.variant, status: answer.status, problem, body: answer.text.slice(0, 300) });
          });
        }
      }
      // And paths the document does not have: unknown routes answer the same shape.
      const outside = ['/nonexistent', '/api/v2/markets', '//api/v1/markets', '/api/v1', '/api/v1/markets/', '/%ED%A0%80', '/docs/%00'];
      for (const path of outside) {
        for (const method of ['GET', 'POST', 'DELETE']) {
          const answer = await send(url, agent, method, { variant: 'unknown path', path, query: '', body: method === 'POST' ? '{"a":1}' : undefined });
          sent += 1;
          const problem = errorShapeProblem(answer);
          if (problem) findings.push({ operation: `${method} ${path}`, identity: 'anonymous', variant: 'unknown path', status: answer.status, problem, body: answer.text.slice(0, 300) });
        }
      }
    } finally {
      agent.destroy();
    }
    console.log(`swept ${operations} operations (${Object.keys(SKIPPED_OPERATIONS).length} skipped) with ${sent} requests in ${Date.now() - startedAt} ms`);
    if (findings.length > 0) console.error(`${findings.length} of ${sent} requests failed:\n${findings.slice(0, 40).map((f) => JSON.stringify(f)).join('\n')}`);
    expect(findings).toEqual([]);
    expect(sent).toBeGreaterThan(5000);
  }, 240_000);
});
