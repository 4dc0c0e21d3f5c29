import { EventEmitter2 } from '@nestjs/event-emitter';
import type { QueryRunner } from 'typeorm';
import { BalanceEventsAfterCommit } from './balance-events';

/** Drives the subscriber the way TypeORM's PostgresQueryRunner reports (nested) transactions. */
function transactionOf(subscriber: BalanceEventsAfterCommit) {
  const state = { isTransactionActive: false };
  const runner = state as QueryRunner;
  let depth = 0;
  const event = { queryRunner: runner } as never;
  return {
    start() {
      state.isTransactionActive = true;
      depth += 1;
      subscriber.afterTransactionStart(event);
    },
    commit() {
      depth -= 1;
      state.isTransactionActive = depth > 0;
      subscriber.afterTransactionCommit(event);
    },
    rollback() {
      depth -= 1;
      state.isTransactionActive = depth > 0;
      subscriber.afterTransactionRollback(event);
    },
    record(userId: string, available: string) {
      subscriber.record(runner, { userId, asset: 'USDC', available, locked: '0' });
    },
  };
}

async function emitted(run: (tx: ReturnType<typeof transactionOf>) => void): Promise<string[]> {
  const events = new EventEmitter2();
  const seen: string[] = [];
  events.on('balance.changed', (event: { userId: string; available: string }) => seen.push(`${event.userId}=${event.available}`));
  run(transactionOf(new BalanceEventsAfterCommit(events)));
  await new Promise((resolve) => setImmediate(resolve));
  return seen;
}

describe('BalanceEventsAfterCommit', () => {
  it('emits the latest balance per account once the outermost transaction commits', async () => {
    expect(
      await emitted((tx) => {
        tx.start();
        tx.record('a', '1');
        tx.record('a', '2');
        tx.record('b', '5');
        tx.commit();
      }),
    ).toEqual(['a=2', 'b=5']);
  });

  it('emits nothing on rollback', async () => {
    expect(
      await emitted((tx) => {
        tx.start();
        tx.record('a', '1');
        tx.rollback();
      }),
    ).toEqual([]);
  });

  it('keeps what a released savepoint recorded and forgets what a rolled-back one did', async () => {
    expect(
      await emitted((tx) => {
        tx.start();
        tx.record('a', '1');
        tx.start();
        tx.record('a', '2');
        tx.record('b', '7');
        tx.rollback();
        tx.start();
        tx.record('c', '3');
        tx.commit();
        tx.commit();
      }),
    ).toEqual(['a=1', 'c=3']);
  });

  it('handles a first record inside a savepoint (the key written first, the work in a savepoint)', async () => {
    expect(
      await emitted((tx) => {
        tx.start();
        tx.start();
        tx.record('a', '1');
        tx.rollback();
        tx.record('b', '2');
        tx.commit();
      }),
    ).toEqual(['b=2']);
    expect(
      await emitted((tx) => {
        tx.start();
        tx.start();
        tx.start();
        tx.record('a', '1');
        tx.commit();
        tx.commit();
        tx.commit();
      }),
    ).toEqual(['a=1']);
  });
});
