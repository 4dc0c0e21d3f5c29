import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { ReconciliationService } from '../src/accounts/reconciliation.service';
import { RunningApp, startTestApp } from './support/test-app';

// The worker is compiled by `npm run build` (npm test builds first).
const WORKER = join(__dirname, '..', 'dist', 'bench', 'ledger', 'crash-worker.js');
const PER_BATCH = 400;

describe('a process killed in the middle of a batch of postings (e2e)', () => {
  let running: RunningApp;

  beforeAll(async () => {
    if (!existsSync(WORKER)) throw new Error(`${WORKER} is missing: run "npm run build" first (npm test does)`);
    running = await startTestApp();
  });

  afterAll(async () => {
    await running.close();
  });

  it('leaves every batch fully posted or not at all, and the ledger reconciled', async () => {
    const prefix = `crash:${randomUUID()}`;
    const child = spawn(process.execPath, [WORKER, prefix, String(PER_BATCH)], { env: { ...process.env, NODE_ENV: 'test' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let killedDuring: number | undefined;
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      // Two batches committed, the third a quarter posted: pull the plug.
      const match = /POSTED (\d+) 100\n/.exec(output.split('COMMITTED 1\n')[1] ?? '');
      if (match && killedDuring === undefined) {
        killedDuring = Number(match[1]);
        child.kill('SIGKILL');
      }
    });
    const signal = await exited;
    expect(signal).toBe('SIGKILL');
    expect(killedDuring).toBe(2);
    expect(output).toContain('COMMITTED 1');
    expect(output).not.toContain('COMMITTED 2');

    const dataSource = running.app.get(DataSource);
    // Whether PostgreSQL has already noticed the dead connection or not, the open batch is invisible:
    // it can only ever be rolled back, as its COMMIT was never sent.
    const counts = await dataSource.query(
      `SELECT t.reference, count(DISTINCT t.id)::int AS transactions, count(e.id)::int AS entries
         FROM ledger_transactions t JOIN ledger_entries e ON e.transaction_id = t.id
        WHERE t.reference LIKE $1 GROUP BY t.reference ORDER BY t.reference`,
      [`${prefix}:%`],
    );
    // Each batch: PER_BATCH transactions, half debits with a fee (3 entries) and half holds (2 entries).
    const fullBatch = { transactions: PER_BATCH, entries: (PER_BATCH / 2) * 3 + (PER_BATCH / 2) * 2 };
    expect(counts).toEqual([
      { reference: `${prefix}:batch:0`, ...fullBatch },
      { reference: `${prefix}:batch:1`, ...fullBatch },
    ]);
    const report = await running.app.get(ReconciliationService).run();
    expect(report.ok).toBe(true);
  });
});
