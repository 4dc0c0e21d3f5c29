import { Logger } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import type { EntityManager, QueryRunner } from 'typeorm';
import { DomainEventBus } from './domain-event-bus';

/** One connection driven the way TypeORM's PostgresQueryRunner reports (nested) transactions to subscribers. */
function connectionOf(bus: DomainEventBus) {
  const state: { isTransactionActive: boolean; manager?: EntityManager } = { isTransactionActive: false };
  const runner = state as QueryRunner;
  const manager = { queryRunner: runner } as EntityManager;
  state.manager = manager;
  let depth = 0;
  const event = { queryRunner: runner } as never;
  return {
    manager,
    start() {
      state.isTransactionActive = true;
      depth += 1;
      bus.afterTransactionStart(event);
    },
    /** COMMIT (or RELEASE) as TypeORM runs it: the before-commit subscribers are awaited first, a failure stops it. */
    async commitWithHooks() {
      await bus.beforeTransactionCommit(event);
      this.commit();
    },
    commit() {
      depth -= 1;
      state.isTransactionActive = depth > 0;
      bus.afterTransactionCommit(event);
    },
    rollback() {
      depth -= 1;
      state.isTransactionActive = depth > 0;
      bus.afterTransactionRollback(event);
    },
    ban(userId: string) {
      bus.afterCommit(manager, { name: 'user.banned', payload: { userId } });
    },
    balance(userId: string, available: string) {
      bus.afterCommit(manager, { name: 'balance.changed', payload: { userId, asset: 'USDC', available, locked: '0' } }, { latestFor: userId });
    },
  };
}

function busWithLog() {
  const emitter = new EventEmitter2();
  const delivered: string[] = [];
  emitter.on('user.banned', (event: { userId: string }) => delivered.push(`banned ${event.userId}`));
  emitter.on('balance.changed', (event: { userId: string; available: string }) => delivered.push(`${event.userId}=${event.available}`));
  const subscribers: unknown[] = [];
  const bus = new DomainEventBus(emitter, { subscribers } as never);
  return { bus, emitter, delivered, subscribers, connection: connectionOf(bus) };
}

describe('DomainEventBus', () => {
  it('subscribes to the data source it is given', () => {
    const { bus, subscribers } = busWithLog();
    expect(subscribers).toEqual([bus]);
  });

  it('delivers a transaction\'s events in recording order once it commits, not before', () => {
    const { connection: tx, delivered } = busWithLog();
    tx.start();
    tx.ban('a');
    tx.ban('b');
    tx.ban('c');
    expect(delivered).toEqual([]);
    tx.commit();
    expect(delivered).toEqual(['banned a', 'banned b', 'banned c']);
  });

  it('drops the events of a transaction that rolls back', () => {
    const { connection: tx, delivered } = busWithLog();
    tx.start();
    tx.ban('a');
    tx.rollback();
    tx.start();
    tx.commit();
    expect(delivered).toEqual([]);
  });

  it('drops only what a rolled-back savepoint recorded, and keeps a released one\'s for the outer commit', () => {
    const { connection: tx, delivered } = busWithLog();
    tx.start();
    tx.ban('before');
    tx.start();
    tx.ban('rolled back');
    tx.rollback();
    tx.start();
    tx.ban('released');
    tx.commit();
    expect(delivered).toEqual([]);
    tx.ban('after');
    tx.commit();
    expect(delivered).toEqual(['banned before', 'banned released', 'banned after']);
  });

  it('holds the events of a command unit\'s work (a savepoint in the key\'s transaction) until the unit commits, and drops them if it rolls back', () => {
    const { connection: unit, delivered } = busWithLog();
    unit.start(); // the Idempotency-Key's transaction
    unit.start(); // commandTransaction's work, a savepoint
    unit.ban('a');
    unit.commit(); // the work is done; the response is not stored yet
    expect(delivered).toEqual([]);
    unit.commit(); // the key's answer and the work commit together
    expect(delivered).toEqual(['banned a']);

    unit.start();
    unit.start();
    unit.ban('b');
    unit.commit();
    unit.rollback(); // storing the answer failed: nothing of the command happened
    expect(delivered).toEqual(['banned a']);
  });

  it('delivers one latest-value event per key, with its value at commit, after the other events', () => {
    const { connection: tx, delivered } = busWithLog();
    tx.start();
    tx.balance('a', '1');
    tx.ban('x');
    tx.balance('b', '5');
    tx.start();
    tx.balance('a', '2');
    tx.commit();
    tx.start();
    tx.balance('b', '9');
    tx.rollback();
    tx.commit();
    expect(delivered).toEqual(['banned x', 'a=2', 'b=5']);
  });

  it('logs a listener that throws and still delivers the rest; the commit never sees the failure', () => {
    const { connection: tx, emitter, delivered } = busWithLog();
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    emitter.prependListener('user.banned', (event: { userId: string }) => {
      if (event.userId === 'a') throw new Error('socket closed');
    });
    tx.start();
    tx.ban('a');
    tx.ban('b');
    expect(() => tx.commit()).not.toThrow();
    expect(delivered).toEqual(['banned b']);
    expect(logged).toHaveBeenCalledWith(expect.stringContaining('user.banned listener failed after commit: socket closed'));
    logged.mockRestore();
  });

  it('refuses afterCommit outside a transaction; publishCommitted delivers at once', () => {
    const { bus, connection: tx, delivered } = busWithLog();
    expect(() => tx.ban('a')).toThrow(/needs the manager of an open transaction/);
    bus.publishCommitted({ name: 'user.banned', payload: { userId: 'now' } });
    expect(delivered).toEqual(['banned now']);
  });

  describe('beforeCommit', () => {
    it('hands a transaction\'s events of its names to the handler on the transaction\'s manager, once, before the outermost COMMIT', async () => {
      const { bus, connection: tx, delivered } = busWithLog();
      const handled: string[][] = [];
      bus.beforeCommit(['user.banned'], async (manager, events) => {
        expect(manager).toBe(tx.manager);
        expect(delivered).toEqual([]);
        handled.push(events.map((event) => event.payload.userId));
      });
      tx.start();
      tx.ban('a');
      tx.balance('a', '1');
      tx.start();
      tx.ban('b');
      await tx.commitWithHooks(); // a savepoint's release: not yet
      expect(handled).toEqual([]);
      tx.ban('c');
      await tx.commitWithHooks();
      expect(handled).toEqual([['a', 'b', 'c']]);
      expect(delivered).toEqual(['banned a', 'banned b', 'banned c', 'a=1']);
    });

    it('is not called for a transaction without its events, nor for what a rolled-back savepoint recorded', async () => {
      const { bus, connection: tx } = busWithLog();
      const handled: string[] = [];
      bus.beforeCommit(['user.banned'], async (_manager, events) => {
        handled.push(...events.map((event) => event.payload.userId));
      });
      tx.start();
      tx.balance('a', '1');
      await tx.commitWithHooks();
      tx.start();
      tx.start();
      tx.ban('dropped');
      tx.rollback();
      tx.ban('kept');
      await tx.commitWithHooks();
      expect(handled).toEqual(['kept']);
    });

    it('hands on the events its handlers record in turn; those are delivered after the commit too', async () => {
      const { bus, connection: tx, delivered } = busWithLog();
      const seen: string[] = [];
      bus.beforeCommit(['user.banned'], async (manager, events) => {
        for (const event of events) bus.afterCommit(manager, { name: 'balance.changed', payload: { userId: event.payload.userId, asset: 'USDC', available: '0', locked: '0' } });
      });
      bus.beforeCommit(['balance.changed'], async (_manager, events) => {
        seen.push(...events.map((event) => event.payload.userId));
      });
      tx.start();
      tx.ban('a');
      await tx.commitWithHooks();
      expect(seen).toEqual(['a']);
      expect(delivered).toEqual(['banned a', 'a=0']);
    });

    it('a handler that throws stops the commit: the error reaches the caller and the rollback delivers nothing', async () => {
      const { bus, connection: tx, delivered } = busWithLog();
      bus.beforeCommit(['user.banned'], async () => {
        throw new Error('disk full');
      });
      tx.start();
      tx.ban('a');
      await expect(tx.commitWithHooks()).rejects.toThrow('disk full');
      tx.rollback();
      expect(delivered).toEqual([]);
    });

    it('refuses publishCommitted for an event whose work must commit with its cause', () => {
      const { bus, delivered } = busWithLog();
      bus.beforeCommit(['user.banned'], async () => undefined);
      expect(() => bus.publishCommitted({ name: 'user.banned', payload: { userId: 'now' } })).toThrow(/commits with its cause/);
      bus.publishCommitted({ name: 'balance.changed', payload: { userId: 'b', asset: 'USDC', available: '1', locked: '0' } });
      expect(delivered).toEqual(['b=1']);
    });
  });
});
