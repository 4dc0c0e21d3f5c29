import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { renderOpenApi } from '../src/scripts/write-openapi';
import { RunningApp, startTestApp, testConfig } from './support/test-app';
import { createTestUser, TestUser } from './support/users';

type Example = { value?: unknown };
type Media = { example?: unknown; examples?: Record<string, Example> };
type Operation = {
  operationId: string;
  summary?: string;
  tags?: string[];
  security?: Record<string, string[]>[];
  responses: Record<string, { content?: Record<string, Media> }>;
};
type Document = {
  servers?: { url: string }[];
  tags?: { name: string; description?: string }[];
  paths: Record<string, Record<string, Operation>>;
};

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;
const SOME_ID = '00000000-0000-4000-8000-000000000000';

function operationsOf(document: Document): { method: (typeof METHODS)[number]; path: string; operation: Operation }[] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    METHODS.filter((method) => item[method]).map((method) => ({ method, path, operation: item[method] })),
  );
}

const needsToken = (operation: Operation) => (operation.security ?? []).some((requirement) => 'bearer' in requirement);

describe('docs/openapi.json', () => {
  const committed = JSON.parse(readFileSync(join(__dirname, '..', 'docs', 'openapi.json'), 'utf8')) as Document;
  const operations = operationsOf(committed);

  it('matches what the code publishes (run "npm run openapi" after changing the API)', async () => {
    expect(JSON.parse(await renderOpenApi(testConfig()))).toEqual(committed);
  });

  it('gives every operation a summary', () => {
    expect(operations.length).toBeGreaterThanOrEqual(60);
    expect(operations.filter(({ operation }) => !operation.summary?.trim()).map(({ operation }) => operation.operationId)).toEqual([]);
  });

  it('describes every tag an operation uses', () => {
    const described = new Map((committed.tags ?? []).map((tag) => [tag.name, tag.description ?? '']));
    const used = new Set(operations.flatMap(({ operation }) => operation.tags ?? []));
    expect([...used].filter((tag) => !described.get(tag)?.trim())).toEqual([]);
  });

  it('gives every error response an example in the error shape', () => {
    const missing: string[] = [];
    const misshapen: string[] = [];
    for (const { operation } of operations) {
      for (const [status, response] of Object.entries(operation.responses)) {
        if (Number(status) < 400) continue;
        const media = Object.values(response.content ?? {});
        const examples = media.flatMap((content) => [
          ...(content.example !== undefined ? [content.example] : []),
          ...Object.values(content.examples ?? {}).map((example) => example.value),
        ]);
        if (examples.length === 0) missing.push(`${operation.operationId} ${status}`);
        if (operation.operationId.startsWith('HealthController_')) continue; // readiness answers its own body, not an error
        for (const example of examples as Record<string, unknown>[]) {
          const shaped =
            example.statusCode === Number(status) &&
            typeof example.error === 'string' &&
            typeof example.message === 'string' &&
            typeof example.requestId === 'string' &&
            Object.keys(example).every((key) => ['statusCode', 'error', 'message', 'details', 'requestId'].includes(key));
          if (!shaped) misshapen.push(`${operation.operationId} ${status}`);
        }
      }
    }
    expect(missing).toEqual([]);
    expect(misshapen).toEqual([]);
  });

  it('names PUBLIC_URL of the development server', () => {
    expect(committed.servers).toEqual([expect.objectContaining({ url: 'http://localhost:3000' })]);
  });
});

/**
 * The document's security must be what the AuthGuard does: ask every operation without a token
 * (only those with the lock answer 401) and with a plain user's token (role-restricted ones answer 403).
 */
describe('OpenAPI security against the running server (e2e)', () => {
  let running: RunningApp;
  let user: TestUser;
  let published: Document;

  beforeAll(async () => {
    running = await startTestApp();
    user = await createTestUser(running);
    published = (await request(running.url).get('/docs-json').expect(200)).body as Document;
  });

  afterAll(async () => {
    await running.close();
  });

  const call = (method: (typeof METHODS)[number], path: string, auth?: Record<string, string>) => {
    const pending = request(running.url)[method](path.replace(/\{[^}]+\}/g, SOME_ID));
    return auth ? pending.set(auth) : pending;
  };

  it('serves the PUBLIC_URL it runs with', () => {
    expect(published.servers).toEqual([expect.objectContaining({ url: running.config.publicUrl.replace(/\/$/, '') })]);
  });

  it('locks exactly the operations that refuse an anonymous caller', async () => {
    const wrong: string[] = [];
    for (const { method, path, operation } of operationsOf(published)) {
      const response = await call(method, path);
      const refused = response.status === 401;
      if (refused !== needsToken(operation)) wrong.push(`${method.toUpperCase()} ${path}: ${response.status}, documented ${needsToken(operation) ? 'locked' : 'public'}`);
      if (needsToken(operation) && !operation.responses['401']) wrong.push(`${method.toUpperCase()} ${path}: 401 not documented`);
    }
    expect(wrong).toEqual([]);
    // The reads the issue named are public.
    const publicOps = operationsOf(published).filter(({ operation }) => !needsToken(operation));
    for (const id of ['MarketsController_list', 'MarketsController_detail', 'MarketsController_history', 'MarketsController_trades', 'MarketsController_quote', 'RoundsController_current', 'RoundsController_history']) {
      expect(publicOps.map(({ operation }) => operation.operationId)).toContain(id);
    }
    for (const { operation } of publicOps) expect(operation.security).toBeUndefined();
  });

  it('documents 403 on exactly the operations a signed-in user without the role is refused', async () => {
    const wrong: string[] = [];
    for (const { method, path, operation } of operationsOf(published).filter(({ operation }) => needsToken(operation))) {
      const response = await call(method, path, user.auth);
      const forbidden = response.status === 403;
      if (forbidden !== Boolean(operation.responses['403'])) wrong.push(`${method.toUpperCase()} ${path}: ${response.status}, 403 ${operation.responses['403'] ? '' : 'not '}documented`);
    }
    expect(wrong).toEqual([]);
  });
});
