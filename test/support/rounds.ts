import { DataSource } from 'typeorm';
import request from 'supertest';
import type { RunningApp } from './test-app';
import type { TestUser } from './users';

/** A fast venue for e2e: 20 ms candles, short rounds, a short lease so a takeover happens within a second. */
export const FAST_ROUNDS = {
  ROUNDS_ENGINE_ENABLED: 'true',
  ROUND_TICK_MS: '20',
  ROUND_COOLDOWN_MS: '400',
  ROUND_MAX_TICKS: '80',
  ROUND_LEASE_MS: '1000',
  ROUND_RESUME_WINDOW_MS: '4000',
  ROUND_MIN_STAKE: '1',
  ROUND_MAX_STAKE: '100',
};

export interface RoundBody {
  id: string;
  number: number;
  status: string;
  tick: number;
  price: string;
  rugTick: number | null;
  serverSeed: string | null;
  salt: string | null;
  countdownMs: number;
  params: { maxTicks: number };
  candles: { tick: number; close: string }[];
}

/**
 * Rounds state left by earlier runs must not slow this one down: admin overrides are cleared and
 * any live round from a dead run is made old enough to be voided at once by the new leader.
 */
/** Returns the highest round number so far: a round after it is one the next app created (the stale ones may still show until voided). */
export async function resetRoundsVenue(databaseUrl: string): Promise<number> {
  let highest = 0;
  await withDatabase(databaseUrl, async (client) => {
    const [{ exists }] = (await client.query(`SELECT to_regclass('public.rounds') IS NOT NULL AS exists`)) as { exists: boolean }[];
    if (!exists) return;
    await client.query(`DELETE FROM round_settings`);
    await client.query(`UPDATE rounds SET last_tick_at = now() - interval '1 day', status = 'ACTIVE', salt = COALESCE(salt, 'stale') WHERE status IN ('PENDING', 'ACTIVE')`);
    highest = Number(((await client.query(`SELECT COALESCE(max(number), 0)::int AS n FROM rounds`)) as { n: number }[])[0].n);
  });
  return highest;
}

/** A short-lived connection of its own, for tests that change the database while no app runs. */
export async function withDatabase(databaseUrl: string, work: (db: DataSource) => Promise<void>): Promise<void> {
  const db = await new DataSource({ type: 'postgres', url: databaseUrl }).initialize();
  try {
    await work(db);
  } finally {
    await db.destroy();
  }
}

export async function currentRound(running: RunningApp): Promise<RoundBody | null> {
  const response = await request(running.url).get('/api/v1/rounds/current');
  return response.status === 200 ? (response.body as RoundBody) : null;
}

export async function roundById(running: RunningApp, id: string): Promise<RoundBody> {
  return (await request(running.url).get(`/api/v1/rounds/${id}`).expect(200)).body as RoundBody;
}

export async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 20000, everyMs = 10): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** The first round numbered above `after` in one of `statuses`. */
export function waitForRound(running: RunningApp, after: number, statuses: string[], timeoutMs?: number): Promise<RoundBody> {
  return waitFor(
    `a round after #${after} in ${statuses.join('/')}`,
    async () => {
      const round = await currentRound(running);
      return round && round.number > after && statuses.includes(round.status) ? round : null;
    },
    timeoutMs,
  );
}

export function waitForStatus(running: RunningApp, id: string, statuses: string[], timeoutMs?: number): Promise<RoundBody> {
  return waitFor(
    `round ${id} in ${statuses.join('/')}`,
    async () => {
      const round = await roundById(running, id);
      return statuses.includes(round.status) ? round : null;
    },
    timeoutMs,
    25,
  );
}

let keys = 0;
export function idempotencyKey(): string {
  keys += 1;
  return `rounds-e2e-${process.pid}-${Date.now()}-${keys}`;
}

export function post(running: RunningApp, user: TestUser, path: string, body: object = {}) {
  return request(running.url).post(path).set(user.auth).set('Idempotency-Key', idempotencyKey()).send(body);
}

export async function potBalance(running: RunningApp, roundId: string): Promise<bigint> {
  const rows = (await running.app.get(DataSource).query(`SELECT COALESCE(sum(available), 0)::text AS balance FROM accounts WHERE system_key = $1`, [`round-pot:${roundId}`])) as {
    balance: string;
  }[];
  return BigInt(rows[0].balance);
}

/** "12.345678" → 12345678n (USDC minor units). */
export function usdc(text: string): bigint {
  const [whole, fraction = ''] = text.replace('-', '').split('.');
  const value = BigInt(whole + fraction.padEnd(6, '0'));
  return text.startsWith('-') ? -value : value;
}

export function priceUnits(text: string): bigint {
  const [whole, fraction] = text.split('.');
  return BigInt(whole + fraction);
}
