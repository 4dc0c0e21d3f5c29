import { Wallet } from 'ethers';
import request from 'supertest';
import { DataSource, QueryRunner } from 'typeorm';
import { formatSiweMessage } from '../src/auth/siwe-message';
import { AppConfig } from '../src/config/app-config';
import { resetRoundsVenue, usdc } from './support/rounds';
import { assertBuilt, freePort, ServerProcess, startServer } from './support/server-process';

// SIGTERM while a round's settlement job runs: the job must finish (positions paid, ledger balanced)
// and the process exit 0. The settlement is held in the middle of its transaction by a row lock this
// test takes on the round's pot account, so the signal lands while it is running, every time.

const DATABASE_URL = AppConfig.fromEnv({ ...process.env, NODE_ENV: 'test' }).databaseUrl;
const ROUNDS = {
  ROUNDS_ENGINE_ENABLED: 'true',
  ROUND_TICK_MS: '50',
  ROUND_COOLDOWN_MS: '500',
  ROUND_MAX_TICKS: '120',
  ROUND_LEASE_MS: '1000',
  ROUND_RESUME_WINDOW_MS: '4000',
  ROUND_MIN_STAKE: '1',
  ROUND_MAX_STAKE: '100',
};
const NO_RATE_LIMITS = { RATE_LIMIT_AUTH_PER_MINUTE: '1000000', RATE_LIMIT_REFRESH_PER_MINUTE: '1000000', RATE_LIMIT_PER_MINUTE: '1000000' };

interface Round {
  id: string;
  number: number;
  status: string;
}

async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 20000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function signIn(url: string, siweDomain: string, publicUrl: string): Promise<{ id: string; auth: { Authorization: string } }> {
  const wallet = Wallet.createRandom();
  const { nonce } = (await request(url).post('/api/v1/auth/siwe/nonce').expect(201)).body as { nonce: string };
  const message = formatSiweMessage({ domain: siweDomain, address: wallet.address, statement: 'Sign in to Cash Markets', uri: publicUrl, chainId: 1, nonce, issuedAt: new Date() });
  const signedIn = await request(url).post('/api/v1/auth/siwe/verify').send({ message, signature: await wallet.signMessage(message) });
  expect(signedIn.status).toBe(200);
  const body = signedIn.body as { accessToken: string; user: { id: string } };
  return { id: body.user.id, auth: { Authorization: `Bearer ${body.accessToken}` } };
}

describe('shutdown during a round settlement (e2e, real process)', () => {
  let db: DataSource;
  let server: ServerProcess | undefined;
  let lockHolder: QueryRunner | undefined;

  beforeAll(async () => {
    assertBuilt();
    await resetRoundsVenue(DATABASE_URL);
    db = await new DataSource({ type: 'postgres', url: DATABASE_URL }).initialize();
  });

  afterAll(async () => {
    if (lockHolder?.isTransactionActive) await lockHolder.rollbackTransaction();
    await lockHolder?.release();
    if (server && server.child.exitCode === null) server.child.kill('SIGKILL');
    await db?.destroy();
  });

  it('finishes the settlement it is running, then exits 0 without touching a closed connection', async () => {
    const port = await freePort();
    server = startServer({ ...ROUNDS, ...NO_RATE_LIMITS, PORT: String(port) });
    // Sign in with what the startup log says the server expects (it once printed 127.0.0.1, which SIWE refused).
    const listening = await server.waitForLog(/listening on/);
    expect(listening).toContain(`listening on 127.0.0.1:${port}; clients use PUBLIC_URL http://localhost:${port}`);
    const signInLine = await server.waitForLog(/^Sign-in: SIWE/);
    const [, siweDomain, publicUrl] = /must name the domain (\S+) \(SIWE_DOMAIN\) and a URI on (\S+)/.exec(signInLine) ?? [];
    expect({ siweDomain, publicUrl }).toEqual({ siweDomain: `localhost:${port}`, publicUrl: `http://localhost:${port}` });
    expect(await server.waitForLog(/^Swagger UI/)).toBe(`Swagger UI: ${publicUrl}/docs (OpenAPI JSON: ${publicUrl}/docs-json)`);
    const url = `http://127.0.0.1:${port}`;
    await request(url).get(new URL(`${publicUrl}/docs-json`).pathname).expect(200);

    const players = [await signIn(url, siweDomain, publicUrl), await signIn(url, siweDomain, publicUrl)];

    // A round can rug before every position is in: then play the next one.
    let round: Round | undefined;
    let previous = 0;
    for (let attempt = 0; attempt < 8 && !round; attempt += 1) {
      const candidate = await until('an ACTIVE round', async () => {
        const current = await request(url).get('/api/v1/rounds/current');
        const body = current.body as Round;
        return current.status === 200 && body.number > previous && body.status === 'ACTIVE' ? body : null;
      });
      previous = candidate.number;
      const opened = await Promise.all(
        players.map((player, index) =>
          request(url)
            .post(`/api/v1/rounds/${candidate.id}/positions`)
            .set(player.auth)
            .set('Idempotency-Key', `shutdown-${candidate.id}-${index}`)
            .send({ side: index === 0 ? 'long' : 'short', amount: '10' }),
        ),
      );
      if (opened.some((response) => response.status !== 201)) continue;

      // Hold the pot: the settlement's payout posting will wait on this row lock.
      lockHolder = db.createQueryRunner();
      await lockHolder.startTransaction();
      await lockHolder.query(`SELECT id FROM accounts WHERE system_key = $1 FOR UPDATE`, [`round-pot:${candidate.id}`]);
      const [{ status }] = (await lockHolder.query(`SELECT status FROM rounds WHERE id = $1`, [candidate.id])) as { status: string }[];
      if (status !== 'ACTIVE') {
        await lockHolder.rollbackTransaction();
        await lockHolder.release();
        lockHolder = undefined;
        continue;
      }
      round = candidate;
    }
    if (!round) throw new Error('no round lasted long enough to open both positions');

    // The round ends, its settlement job starts and blocks on the pot.
    await until(
      'the settlement to wait on the pot lock',
      async () => {
        const [{ waiting }] = (await db.query(
          `SELECT count(*)::int AS waiting FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()`,
        )) as { waiting: number }[];
        return waiting > 0;
      },
      30000,
    );
    const [{ status: endedStatus }] = (await db.query(`SELECT status FROM rounds WHERE id = $1`, [round.id])) as { status: string }[];
    expect(endedStatus).toBe('ENDED');

    const metrics = await request(url).get('/metrics').expect(200);
    expect(metrics.text).toMatch(/^unhandled_rejections_total 0$/m);

    server.child.kill('SIGTERM');
    await server.waitForLog(/SIGTERM received/);
    // Long enough for everything shut down early to be gone before the settlement goes on.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await lockHolder!.rollbackTransaction();
    await lockHolder!.release();
    lockHolder = undefined;

    const exit = await server.exited;
    expect(exit.output).not.toContain('Connection is closed');
    expect(exit.output).not.toMatch(/unhandled/i);
    expect({ code: exit.code, signal: exit.signal }).toEqual({ code: 0, signal: null });

    const [settled] = (await db.query(`SELECT status, settled_at FROM rounds WHERE id = $1`, [round.id])) as { status: string; settled_at: Date | null }[];
    expect(settled.status).toBe('SETTLED');
    expect(settled.settled_at).not.toBeNull();
    const positions = (await db.query(`SELECT user_id, status, amount, payout FROM round_positions WHERE round_id = $1`, [round.id])) as {
      user_id: string;
      status: string;
      amount: string;
      payout: string | null;
    }[];
    expect(positions).toHaveLength(2);
    for (const position of positions) {
      expect(position.status).toBe('closed');
      expect(position.payout).not.toBeNull();
    }

    // Balanced: every transaction sums to zero, cached balances equal their entries, the pot is empty,
    // and each player holds the starting 1000 minus what they paid plus what they were paid.
    const unbalanced = (await db.query(`SELECT transaction_id FROM ledger_entries GROUP BY transaction_id, asset HAVING sum(amount) <> 0`)) as unknown[];
    expect(unbalanced).toEqual([]);
    const drifted = (await db.query(
      `SELECT a.id FROM accounts a
         LEFT JOIN (SELECT account_id, sum(amount) FILTER (WHERE bucket = 'available') AS available, sum(amount) FILTER (WHERE bucket = 'locked') AS locked
                      FROM ledger_entries GROUP BY account_id) s ON s.account_id = a.id
        WHERE a.available <> coalesce(s.available, 0) OR a.locked <> coalesce(s.locked, 0)`,
    )) as unknown[];
    expect(drifted).toEqual([]);
    const [pot] = (await db.query(`SELECT COALESCE(sum(available), 0)::text AS balance FROM accounts WHERE system_key = $1`, [`round-pot:${round.id}`])) as { balance: string }[];
    expect(pot.balance).toBe('0');
    for (const position of positions) {
      const [account] = (await db.query(`SELECT available::text AS available FROM accounts WHERE user_id = $1 AND asset = 'USDC'`, [position.user_id])) as { available: string }[];
      expect(BigInt(account.available)).toBe(usdc('1000') - BigInt(position.amount) + BigInt(position.payout!));
    }
  }, 90000);
});
