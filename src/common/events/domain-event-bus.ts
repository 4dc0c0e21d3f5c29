import { Injectable, Logger } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager, EntitySubscriberInterface, QueryRunner, TransactionCommitEvent, TransactionRollbackEvent, TransactionStartEvent } from 'typeorm';
import { RequestContext, type RequestContextStore } from '../request-context';
import type { DomainEvent } from './domain-event-map';

export interface AfterCommitOptions {
  /**
   * Of the events recorded with this key in one transaction only the last is delivered: a balance
   * changed three times by one command goes out once, with its value at commit. Such latest-value
   * events go out after the transaction's other events, in the order their keys were first recorded.
   */
  latestFor?: string;
}

interface Recorded {
  event: DomainEvent;
  latestFor?: string;
  /** The request (or job) the event was recorded in: listeners run in it, so broadcasts name it even when the commit is another's (a venue engine batch). */
  context?: RequestContextStore;
}

/**
 * The one way a domain event leaves a service. `afterCommit(manager, event)` records it in the
 * transaction `manager` belongs to; it is delivered (to `@OnDomainEvent` listeners) once that
 * transaction commits, and dropped if it rolls back. A savepoint (a nested `manager.transaction`,
 * such as the work of an `Idempotency-Key` command inside the key's transaction) is a level of its
 * own: rolling back to it drops only what it recorded, releasing it hands its events to the level
 * around it, so they wait for the outermost commit. `publishCommitted(event)` is for what happens
 * outside any transaction or after one the caller committed itself (the round engine's ticks).
 *
 * Delivery is synchronous, in recording order (latest-value events last), right after COMMIT; a
 * listener that fails is logged and never reaches the command, whose money already moved.
 */
@Injectable()
export class DomainEventBus implements EntitySubscriberInterface {
  private readonly logger = new Logger('DomainEvents');
  /** Per query runner with an open transaction: one list per transaction level, innermost last. */
  private readonly levels = new WeakMap<QueryRunner, Recorded[][]>();

  constructor(
    private readonly emitter: EventEmitter2,
    @InjectDataSource() dataSource: Pick<DataSource, 'subscribers'>,
  ) {
    dataSource.subscribers.push(this);
  }

  /** Delivers `event` once the transaction of `manager` (and every transaction around it) commits. */
  afterCommit(manager: EntityManager, event: DomainEvent, options: AfterCommitOptions = {}): void {
    const runner = manager.queryRunner;
    if (!runner?.isTransactionActive) {
      throw new Error(`afterCommit(${event.name}) needs the manager of an open transaction; use publishCommitted for work already committed`);
    }
    const levels = this.levelsOf(runner);
    // A transaction opened before this bus subscribed (not in the app): its events wait for its end all the same.
    if (levels.length === 0) levels.push([]);
    levels[levels.length - 1].push({ event, latestFor: options.latestFor, context: RequestContext.current() });
  }

  /** Delivers `event` now: the caller's work is committed, or never was in a transaction. */
  publishCommitted(event: DomainEvent): void {
    this.deliver([{ event }]);
  }

  afterTransactionStart({ queryRunner }: TransactionStartEvent): void {
    this.levelsOf(queryRunner).push([]);
  }

  afterTransactionCommit({ queryRunner }: TransactionCommitEvent): void {
    const levels = this.levels.get(queryRunner);
    if (!levels) return;
    const committed = levels.pop() ?? [];
    if (queryRunner.isTransactionActive) {
      // A released savepoint: what it recorded now belongs to the level around it.
      if (levels.length === 0) levels.push(committed);
      else levels[levels.length - 1].push(...committed);
      return;
    }
    this.levels.delete(queryRunner);
    const recorded = [...levels.flat(), ...committed];
    if (recorded.length > 0) this.deliver(latestOnly(recorded));
  }

  afterTransactionRollback({ queryRunner }: TransactionRollbackEvent): void {
    if (!queryRunner.isTransactionActive) this.levels.delete(queryRunner);
    else this.levels.get(queryRunner)?.pop();
  }

  private levelsOf(runner: QueryRunner): Recorded[][] {
    let levels = this.levels.get(runner);
    if (!levels) this.levels.set(runner, (levels = []));
    return levels;
  }

  private deliver(events: Recorded[]): void {
    for (const { event, context } of events) {
      try {
        if (context && context !== RequestContext.current()) RequestContext.run(context, () => this.emitter.emit(event.name, event.payload));
        else this.emitter.emit(event.name, event.payload);
      } catch (error) {
        this.logger.error(`${event.name} listener failed after commit: ${(error as Error).message}`);
      }
    }
  }
}

function latestOnly(recorded: Recorded[]): Recorded[] {
  const events: Recorded[] = [];
  const latest = new Map<string, Recorded>();
  for (const one of recorded) {
    if (one.latestFor === undefined) events.push(one);
    else latest.set(one.latestFor, one);
  }
  return [...events, ...latest.values()];
}
