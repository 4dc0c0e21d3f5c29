import { DataSource } from 'typeorm';
import { LedgerOutsideTransaction, LedgerService, SystemAccount } from '../src/accounts/ledger.service';
import { ReconciliationService } from '../src/accounts/reconciliation.service';
import { InsufficientFunds } from '../src/common/errors/domain-error';
import { RunningApp, startTestApp } from './support/test-app';
import { createTestUser } from './support/users';

/** Small seeded PRNG so a failing sequence can be replayed from its seed. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Model {
  available: bigint;
  locked: bigint;
}

type Operation = { name: string; run: () => Promise<unknown>; expect: () => boolean; apply: () => void };

describe('ledger vocabulary, random sequences (e2e property test)', () => {
  let running: RunningApp;
  let ledger: LedgerService;
  let dataSource: DataSource;

  beforeAll(async () => {
    running = await startTestApp({ STARTING_BALANCE: '50', LEDGER_SYSTEM_SHARDS: '4' });
    ledger = running.app.get(LedgerService);
    dataSource = running.app.get(DataSource);
  });

  afterAll(async () => {
    await running.close();
  });

  async function balancesInDb(userIds: string[]): Promise<Map<string, Model>> {
    const rows = (await dataSource.query(`SELECT user_id, available, locked FROM accounts WHERE asset = 'USDC' AND user_id = ANY($1::uuid[])`, [
      userIds,
    ])) as { user_id: string; available: string; locked: string }[];
    return new Map(rows.map((row) => [row.user_id, { available: BigInt(row.available), locked: BigInt(row.locked) }]));
  }

  it('refuses to post, or to open an account, outside the caller\'s transaction, moving nothing', async () => {
    const userId = (await createTestUser(running)).id;
    await expect(ledger.openUserAccount(dataSource.manager, userId)).rejects.toThrow(LedgerOutsideTransaction);
    await expect(ledger.credit(dataSource.manager, userId, 1n, { kind: 'test.no-tx', reference: 'no-tx', from: SystemAccount.house })).rejects.toThrow(
      LedgerOutsideTransaction,
    );
    await expect(ledger.transferAvailable(dataSource.manager, { userId }, SystemAccount.house, 1n, { kind: 'test.no-tx', reference: 'no-tx' })).rejects.toThrow(
      LedgerOutsideTransaction,
    );
    expect((await balancesInDb([userId])).size).toBe(0);
    const [{ count }] = (await dataSource.query(`SELECT count(*)::int AS count FROM ledger_transactions WHERE kind = 'test.no-tx'`)) as { count: number }[];
    expect(count).toBe(0);
  });

  it('skips the key lookup for a freshKey posting, yet a key posted before still replays and moves nothing', async () => {
    const userId = (await createTestUser(running)).id;
    const key = `test-fresh:${userId}`;
    const stake = (freshKey: boolean) =>
      dataSource.transaction((manager) =>
        ledger.debit(manager, userId, 1_000_000n, { kind: 'test.fresh-key', reference: `user:${userId}`, idempotencyKey: key, freshKey, to: SystemAccount.house }),
      );
    const first = await stake(true);
    expect(first.replayed).toBe(false);
    // A caller wrongly claiming freshness: the write's ON CONFLICT catches it, like the lookup would have.
    const again = await stake(true);
    expect(again).toEqual({ transactionId: first.transactionId, replayed: true, userBalances: [], systemBalances: [] });
    expect((await balancesInDb([userId])).get(userId)).toEqual({ available: 49_000_000n, locked: 0n });
    await expect(
      dataSource.transaction((manager) => ledger.credit(manager, userId, 1n, { kind: 'test.fresh-key', reference: 'no-key', freshKey: true, from: SystemAccount.house })),
    ).rejects.toThrow(/freshKey without an idempotencyKey/);
    expect((await running.app.get(ReconciliationService).run()).ok).toBe(true);
  });

  it('runs postings one after another even when a caller fires them in parallel on one transaction', async () => {
    const userId = (await createTestUser(running)).id;
    const outcomes = await dataSource.transaction((manager) =>
      Promise.allSettled(
        Array.from({ length: 5 }, (_, index) => ledger.hold(manager, { userId }, 20_000_000n, { kind: 'test.parallel-hold', reference: `same-tx:${index}` })),
      ),
    );
    // 50 USDC starting balance: two holds of 20 fit, the third and later do not.
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'rejected', 'rejected']);
    for (const outcome of outcomes.slice(2)) expect((outcome as PromiseRejectedResult).reason).toBeInstanceOf(InsufficientFunds);
    expect((await balancesInDb([userId])).get(userId)).toEqual({ available: 10_000_000n, locked: 40_000_000n });
    expect((await running.app.get(ReconciliationService).run()).ok).toBe(true);
  });

  it.each([1, 2, 3])('keeps every invariant over 150 random operations (seed %i)', async (seed) => {
    const random = mulberry32(seed);
    const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)];
    const amount = () => BigInt(1 + Math.floor(random() * 80_000_000)); // up to 80 USDC in minor units
    const users = await Promise.all(Array.from({ length: 4 }, () => createTestUser(running).then((user) => user.id)));
    for (const userId of users) await dataSource.transaction((manager) => ledger.openUserAccount(manager, userId));
    const model = new Map(users.map((userId) => [userId, { available: 50_000_000n, locked: 0n }]));
    const postedKeys: string[] = [];
    const tx = <T>(work: (manager: DataSource['manager']) => Promise<T>) => dataSource.transaction(work);
    const meta = (kind: string) => ({ kind, reference: `property:${seed}` });

    const operations: (() => Operation)[] = [
      () => {
        const userId = pick(users);
        const value = amount();
        const key = `property:${seed}:${postedKeys.length}:${userId}`;
        return {
          name: 'credit from house (keyed)',
          run: () => tx((m) => ledger.credit(m, userId, value, { ...meta('test.credit'), from: SystemAccount.house, idempotencyKey: key })).then(() => postedKeys.push(key)),
          expect: () => true,
          apply: () => void (model.get(userId)!.available += value),
        };
      },
      () => {
        const userId = pick(users);
        const value = amount();
        const fee = value / 100n;
        return {
          name: 'debit to a market pool with fee',
          run: () => tx((m) => ledger.debit(m, userId, value, { ...meta('test.debit'), to: SystemAccount.marketPool(`m${seed}`), fee })),
          expect: () => model.get(userId)!.available >= value + fee,
          apply: () => void (model.get(userId)!.available -= value + fee),
        };
      },
      () => {
        const userId = pick(users);
        const value = amount();
        return {
          name: 'hold',
          run: () => tx((m) => ledger.hold(m, { userId }, value, meta('test.hold'))),
          expect: () => model.get(userId)!.available >= value,
          apply: () => {
            model.get(userId)!.available -= value;
            model.get(userId)!.locked += value;
          },
        };
      },
      () => {
        const userId = pick(users);
        const value = 1n + amount() / 2n;
        return {
          name: 'release',
          run: () => tx((m) => ledger.release(m, { userId }, value, meta('test.release'))),
          expect: () => model.get(userId)!.locked >= value,
          apply: () => {
            model.get(userId)!.locked -= value;
            model.get(userId)!.available += value;
          },
        };
      },
      () => {
        const userId = pick(users);
        const value = 1n + amount() / 2n;
        return {
          name: 'settle hold to house',
          run: () => tx((m) => ledger.settleHold(m, { userId }, value, { ...meta('test.settle'), to: SystemAccount.house })),
          expect: () => model.get(userId)!.locked >= value,
          apply: () => void (model.get(userId)!.locked -= value),
        };
      },
      () => {
        const from = pick(users);
        const to = pick(users.filter((userId) => userId !== from));
        const value = amount();
        return {
          name: 'transfer between users',
          run: () => tx((m) => ledger.transfer(m, { userId: from }, { userId: to }, value, meta('test.transfer'))),
          expect: () => model.get(from)!.available >= value,
          apply: () => {
            model.get(from)!.available -= value;
            model.get(to)!.available += value;
          },
        };
      },
      () => {
        const key = postedKeys.length > 0 ? pick(postedKeys) : undefined;
        const userId = pick(users);
        return {
          name: 'replay a posted idempotency key',
          run: () =>
            key
              ? tx((m) => ledger.credit(m, userId, 1n, { ...meta('test.credit'), from: SystemAccount.house, idempotencyKey: key })).then((result) => {
                  if (!result.replayed) throw new Error(`key ${key} moved money twice`);
                })
              : Promise.resolve(),
          expect: () => true,
          apply: () => undefined,
        };
      },
    ];

    for (let step = 0; step < 150; step++) {
      const operation = pick(operations)();
      const shouldSucceed = operation.expect();
      const outcome = await operation.run().then(
        () => 'ok',
        (error: unknown) => error,
      );
      if (shouldSucceed) {
        if (outcome !== 'ok') throw new Error(`step ${step} ${operation.name} failed: ${String(outcome)}`);
        operation.apply();
      } else {
        expect(outcome).toBeInstanceOf(InsufficientFunds);
      }
      if (step % 25 === 0 || step === 149) expect(await balancesInDb(users)).toEqual(model);
    }

    // Concurrent postings through both sharded groups (fees, then house), more of them than shards:
    // every one must succeed (no deadlock between the skip-locked and the waiting path).
    const before = await balancesInDb(users);
    await Promise.all(
      Array.from({ length: 40 }, (_, index) =>
        tx((m) =>
          ledger.post(m, {
            ...meta('test.parallel'),
            movements: [
              { account: SystemAccount.house, bucket: 'available', amount: -1_010n },
              { account: { userId: users[index % users.length] }, bucket: 'available', amount: 1_000n },
              { account: SystemAccount.fees, bucket: 'available', amount: 10n },
            ],
          }),
        ),
      ),
    );
    const after = await balancesInDb(users);
    for (const userId of users) expect(after.get(userId)!.available - before.get(userId)!.available).toBe(10_000n);
    const report = await running.app.get(ReconciliationService).run();
    expect(report.ok).toBe(true);
    for (const balance of (await balancesInDb(users)).values()) {
      expect(balance.available).toBeGreaterThanOrEqual(0n);
      expect(balance.locked).toBeGreaterThanOrEqual(0n);
    }
  });
});
