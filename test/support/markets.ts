import request from 'supertest';
import { parseUsdc } from '../../src/common/money/usdc';
import type { RunningApp } from './test-app';
import type { TestUser } from './users';

export interface MarketBody {
  question: string;
  description?: string;
  category: string;
  outcomes: string[];
  closesAt: string;
  subsidy: string;
  initialProbabilities?: string[];
  tickSize?: string;
}

let created = 0;
const run = Date.now().toString(36);

export function marketBody(overrides: Partial<MarketBody> = {}): MarketBody {
  created += 1;
  return {
    question: `Will test market ${run}-${created} resolve Yes?`,
    description: 'A market made by the e2e tests.',
    category: 'tests',
    outcomes: ['Yes', 'No'],
    closesAt: new Date(Date.now() + 3600_000).toISOString(),
    subsidy: '100',
    ...overrides,
  };
}

/** An admin (house-funded) market; returns the market as the API shows it. */
export async function createHouseMarket(running: RunningApp, admin: TestUser, overrides: Partial<MarketBody> = {}) {
  const response = await request(running.url).post('/api/v1/admin/markets').set(admin.auth).send(marketBody(overrides)).expect(201);
  return response.body as { id: string; status: string; outcomes: { index: number; label: string; price: string }[]; [key: string]: unknown };
}

export async function marketOf(running: RunningApp, marketId: string) {
  return (await request(running.url).get(`/api/v1/markets/${marketId}`).expect(200)).body;
}

/** Polls the market until `done` says yes (jobs run in the app's own workers). */
export async function waitForMarket(running: RunningApp, marketId: string, done: (market: Record<string, unknown>) => boolean, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const market = await marketOf(running, marketId);
    if (done(market)) return market;
    if (Date.now() > deadline) throw new Error(`market ${marketId} did not reach the expected state: ${JSON.stringify(market)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** USDC or shares decimal string → minor units. */
export function units(value: string): bigint {
  return parseUsdc(value, 'value', 'any');
}
