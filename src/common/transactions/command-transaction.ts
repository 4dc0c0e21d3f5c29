import { AsyncLocalStorage } from 'node:async_hooks';
import type { DataSource, EntityManager } from 'typeorm';

/**
 * What a request may wrap around the command it runs: `@Idempotent()` uses it to write the key's
 * record in the command's own transaction and to commit both together once the response is known.
 */
export interface CommandUnit {
  /** Whether the unit still takes work (it stops once its transaction committed or rolled back). */
  readonly open: boolean;
  /** Runs `work` inside the unit's transaction, opening it on first use. */
  transaction<T>(dataSource: DataSource, work: (manager: EntityManager) => Promise<T>): Promise<T>;
  /** Queues `effect` until the unit's transaction commits; false when it holds no transaction to wait for. */
  deferUntilCommit(effect: () => unknown): boolean;
  /** Optional: told that the request's answer is also committed elsewhere and reproduced by its retry (see `answerReproducedByRetry`). */
  answerReproducedByRetry?(): void;
}

const ambient = new AsyncLocalStorage<CommandUnit>();

/** Runs `fn` (a request handler) with `unit` as the command unit of everything it awaits. */
export function runInCommandUnit<T>(unit: CommandUnit, fn: () => Promise<T>): Promise<T> {
  return ambient.run(unit, fn);
}

/** Runs `fn` outside any command unit (a unit's effects after its commit must not join it again). */
export function outsideCommandUnit<T>(fn: () => T): T {
  return ambient.exit(fn);
}

/**
 * The one transaction of a command. Outside a command unit it is `dataSource.transaction(work)`;
 * inside one (a request with an `Idempotency-Key`) the work joins the unit's transaction, which
 * commits only together with the stored response. Every `@Idempotent()` route writes through it.
 */
export function commandTransaction<T>(dataSource: DataSource, work: (manager: EntityManager) => Promise<T>): Promise<T> {
  const unit = ambient.getStore();
  return unit?.open ? unit.transaction(dataSource, work) : dataSource.transaction(work);
}

/**
 * Tells the request's command unit that its answer is committed elsewhere, in a form its retry gets again: the venue
 * engine stored the command's outcome (in its batch, under a command id made from the Idempotency-Key) and a retry
 * carries the same id, so it is answered from that outcome. The key's own answer then need not be durable
 * before the response (`@Idempotent()` writes it without waiting for the WAL flush).
 */
export function answerReproducedByRetry(): void {
  ambient.getStore()?.answerReproducedByRetry?.();
}

/**
 * Runs a command's effects outside the database (cache invalidation, job enqueues; domain events go
 * through `DomainEventBus.afterCommit`, which waits for the same commit) once its transaction has committed: at once after `commandTransaction`, or, while a command unit
 * still holds that transaction open, right after the unit commits (then a failing effect is logged,
 * not thrown: the money already moved). Dropped if the unit rolls back.
 */
export async function whenCommitted(effect: () => unknown): Promise<void> {
  if (ambient.getStore()?.deferUntilCommit(effect)) return;
  await effect();
}
