import { SystemAccount } from '../../src/accounts/ledger.service';
import { openLedgerHarness } from './harness';

/**
 * Posts batches of ledger postings, each batch in one database transaction, until killed.
 * `test/ledger-crash.e2e-spec.ts` SIGKILLs it in the middle of a batch and checks that no batch
 * is half-posted. Prints `START k`, `POSTED k i` and `COMMITTED k` so the test knows where it is.
 *
 * Usage: node dist/bench/ledger/crash-worker.js <reference-prefix> <postings-per-batch>
 */
async function main(): Promise<void> {
  const [prefix, perBatchText] = process.argv.slice(2);
  const perBatch = Number(perBatchText ?? 400);
  const harness = await openLedgerHarness({ STARTING_BALANCE: '1000' });
  const ledger = harness.ledgerWith();
  const users = await harness.createUsers(8);
  for (const userId of users) await harness.dataSource.transaction((manager) => ledger.openUserAccount(manager, userId));
  process.stdout.write(`READY\n`);

  for (let batch = 0; ; batch++) {
    process.stdout.write(`START ${batch}\n`);
    await harness.dataSource.transaction(async (manager) => {
      for (let index = 0; index < perBatch; index++) {
        const userId = users[index % users.length];
        const reference = `${prefix}:batch:${batch}`;
        if (index % 2 === 0) {
          await ledger.debit(manager, userId, 1_000n, { kind: 'crash.debit', reference, to: SystemAccount.house, fee: 10n });
        } else {
          await ledger.hold(manager, { userId }, 500n, { kind: 'crash.hold', reference });
        }
        if ((index + 1) % 50 === 0) process.stdout.write(`POSTED ${batch} ${index + 1}\n`);
      }
    });
    process.stdout.write(`COMMITTED ${batch}\n`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
