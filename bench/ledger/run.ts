import { randomUUID } from 'node:crypto';
import { LedgerService, Posting, Postings, SystemAccount } from '../../src/accounts/ledger.service';
import { LedgerHarness, openLedgerHarness } from './harness';
import { baseline, measure, Options, parseOptions, Result } from './measure';

/**
 * Ledger postings per second on this machine, each scenario for the same duration and concurrency:
 *   baseline   bare `pg`: BEGIN; one UPDATE; one INSERT; COMMIT (the floor any posting pays)
 *   (a) own    many users each moving their own money (hold then release: 2 entries, 1 account row)
 *   (b) fees   users paying stakes to `house` with a fee to `fees` (3 entries, 3 account rows), sharded
 *   (b1) hot   the same with LEDGER_SYSTEM_SHARDS=1: every posting locks the same house and fees rows
 *   (c) keyed  (b) with an idempotency key made from a new id on every posting (a venue's stake on its new row)
 *   (c1) fresh (c) with `freshKey`: the ledger skips the lookup of a key it cannot have seen
 *   (d) batch  a venue engine's batch: 100 opens (hold margin + fee to `fees`) in one transaction with postBatch,
 *              each worker over its own users (the same user several times per batch); figures per posting
 *   (d1) one   the same batches alternating with closes (release + profit from `house`), one writer (a shard's leader)
 *
 * Usage: npm run bench:ledger [-- --seconds 5 --concurrency 16 --users 200]
 * Uses DATABASE_URL (default: the development database); it adds bench users and postings there.
 */

function ownMoney(harness: LedgerHarness, ledger: LedgerService, users: string[], options: Options): Promise<Result> {
  const perWorker = Math.max(1, Math.floor(users.length / options.concurrency));
  return measure('(a) users moving their own money (hold/release)', options, async (worker, iteration) => {
    // Each worker has its own users and alternates hold and release on each, so nothing is shared but the tables.
    const userId = users[worker * perWorker + (Math.floor(iteration / 2) % perWorker)];
    const meta = { kind: 'bench.own', reference: `bench:${userId}` };
    await harness.dataSource.transaction(async (manager) => {
      if (iteration % 2 === 0) await ledger.hold(manager, { userId }, 1_000n, meta);
      else await ledger.release(manager, { userId }, 1_000n, meta);
    });
  });
}

/** (c): each stake carries an idempotency key made from a new id, as a venue's stake carries its new position's id. */
type Keyed = 'no key' | 'key, looked up' | 'fresh key';

function feePath(name: string, harness: LedgerHarness, ledger: LedgerService, users: string[], options: Options, keyed: Keyed = 'no key'): Promise<Result> {
  return measure(name, options, async (worker, iteration) => {
    const userId = users[(worker + iteration * options.concurrency) % users.length];
    const key = keyed === 'no key' ? {} : { idempotencyKey: `bench-stake:${randomUUID()}`, freshKey: keyed === 'fresh key' };
    await harness.dataSource.transaction((manager) =>
      ledger.debit(manager, userId, 1_000n, { kind: 'bench.stake', reference: `bench:${userId}`, to: SystemAccount.house, fee: 10n, ...key }),
    );
  });
}

const BATCH_SIZE = 100;

/** (d): each operation is one transaction of BATCH_SIZE postings; the result counts postings, its latencies are per batch. */
async function batches(name: string, ledger: LedgerService, harness: LedgerHarness, users: string[], options: Options, withCloses: boolean): Promise<Result> {
  const perWorker = Math.max(1, Math.floor(users.length / options.concurrency));
  const result = await measure(name, options, async (worker, iteration) => {
    const own = users.slice(worker * perWorker, (worker + 1) * perWorker);
    const closing = withCloses && iteration % 2 === 1;
    const postings = Array.from({ length: BATCH_SIZE }, (_, index): Posting => {
      const userId = own[index % own.length];
      const meta = { kind: closing ? 'bench.close' : 'bench.open', reference: `bench:${userId}` };
      return closing ? Postings.releaseWithCredit(userId, 1_000n, 5n, { ...meta, from: SystemAccount.house }) : Postings.holdWithFee(userId, 1_000n, 10n, meta);
    });
    const outcomes = await harness.dataSource.transaction((manager) => ledger.postBatch(manager, postings));
    if (outcomes.some((outcome) => !outcome.ok)) throw new Error('a bench posting was refused');
  });
  return { ...result, name: `${name} (ms per batch)`, postings: result.postings * BATCH_SIZE, perSecond: result.perSecond * BATCH_SIZE };
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const harness = await openLedgerHarness({ DATABASE_POOL_SIZE: String(options.concurrency + 4), LOG_LEVEL: 'error' });
  try {
    const ledger = harness.ledgerWith();
    const hotLedger = harness.ledgerWith({ LEDGER_SYSTEM_SHARDS: '1' });
    const users = await harness.createUsers(options.users);
    for (const userId of users) await harness.dataSource.transaction((manager) => ledger.openUserAccount(manager, userId));

    // Warm up connections and plans, then the figures.
    await measure('warm-up', { ...options, seconds: 1 }, (worker) =>
      harness.dataSource.transaction((manager) => ledger.hold(manager, { userId: users[worker] }, 1n, { kind: 'bench.warmup', reference: 'bench' })).then(() => undefined),
    );
    const results = [
      await baseline(harness, options),
      await ownMoney(harness, ledger, users, options),
      await feePath(`(b) stake to house + fee, ${harness.config.ledgerSystemShards} shards`, harness, ledger, users, options),
      await feePath('(b1) stake to house + fee, 1 shard (hot row)', harness, hotLedger, users, options),
      await feePath('(c) as (b) with a new idempotency key, looked up', harness, ledger, users, options, 'key, looked up'),
      await feePath('(c1) as (c) with freshKey: no lookup', harness, ledger, users, options, 'fresh key'),
      await batches(`(d) postBatch of ${BATCH_SIZE} opens (hold + fee), ${options.concurrency} concurrent`, ledger, harness, users, options, false),
      await batches(`(d1) postBatch of ${BATCH_SIZE}, opens then closes, 1 writer`, ledger, harness, users, { ...options, concurrency: 1 }, true),
    ];
    const base = results[0].perSecond;
    console.log(`ledger bench: ${options.seconds} s per scenario, ${options.concurrency} concurrent, ${options.users} users, PostgreSQL ${harness.config.databaseUrl.replace(/\/\/[^@]*@/, '//')}`);
    console.log('| scenario | postings | postings/s | vs baseline | p50 ms | p99 ms | errors |');
    console.log('|---|---:|---:|---:|---:|---:|---:|');
    for (const result of results) {
      console.log(
        `| ${result.name} | ${result.postings} | ${result.perSecond.toFixed(0)} | ${(result.perSecond / base).toFixed(2)} | ${result.p50Ms.toFixed(2)} | ${result.p99Ms.toFixed(2)} | ${result.errors} |`,
      );
    }
  } finally {
    await harness.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
