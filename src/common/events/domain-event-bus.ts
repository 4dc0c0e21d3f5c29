import { Injectable, Logger } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager, EntitySubscriberInterface, QueryRunner, TransactionCommitEvent, TransactionRollbackEvent, TransactionStartEvent } from 'typeorm';
import { RequestContext, type RequestContextStore } from '../request-context';
import type { DomainEvent, DomainEventName } from './domain-event-map';

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
 * Work that must commit with the events' cause: it runs on the cause's own manager, after the cause's work and
 * before its COMMIT, and is handed every event of its names the transaction recorded (in recording order, so a
 * batch of causes is one call). What it writes commits or rolls back with the cause; if it throws, the cause's
 * transaction rolls back and its caller sees the error.
 */
export type BeforeCommitHandler<Name extends DomainEventName> = (manager: EntityManager, events: Extract<DomainEvent, { name: Name }>[]) => Promise<void>;

interface Registered {
  /** Runs the handler on those of `events` it takes, if any. */
  run(manager: EntityManager, events: DomainEvent[]): Promise<void>;
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
 *
 * What must not be lost when the process dies right after the commit (a notification of a payout) is not a
 * listener's job: `beforeCommit(names, handler)` registers work that runs inside the recording transaction,
 * just before its outermost COMMIT, on its manager (TypeORM's `beforeTransactionCommit`, which it awaits).
 */
@Injectable()
export class DomainEventBus implements EntitySubscriberInterface {
  private readonly logger = new Logger('DomainEvents');
  /** Per query runner with an open transaction: one list per transaction level, innermost last. */
  private readonly levels = new WeakMap<QueryRunner, Recorded[][]>();
  private readonly beforeCommitHandlers: Registered[] = [];
  private readonly beforeCommitNames = new Set<DomainEventName>();

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
    if (this.beforeCommitNames.has(event.name)) {
      // Its before-commit work would never run: such an event is recorded in the transaction of its cause.
      throw new Error(`${event.name} has work that commits with its cause; record it with afterCommit(manager, event) in the cause's transaction`);
    }
    this.deliver([{ event }]);
  }

  /**
   * Runs `handler` in every transaction that recorded events of `names`, before its outermost COMMIT (a savepoint's
   * release hands its events on to the level around it, as for delivery). Events recorded by a handler are delivered
   * after the commit like any other, and handed to before-commit handlers of their names too.
   */
  beforeCommit<Name extends DomainEventName>(names: readonly Name[], handler: BeforeCommitHandler<Name>): void {
    const taken = new Set<DomainEventName>(names);
    const takes = (event: DomainEvent): event is Extract<DomainEvent, { name: Name }> => taken.has(event.name);
    this.beforeCommitHandlers.push({
      run: async (manager, events) => {
        const mine = events.filter(takes);
        if (mine.length > 0) await handler(manager, mine);
      },
    });
    for (const name of taken) this.beforeCommitNames.add(name);
  }

  /** Synchronous (no promise for TypeORM to await) for a commit that recorded none of the handlers' events: most of them. */
  beforeTransactionCommit({ queryRunner }: TransactionCommitEvent): Promise<void> | undefined {
    if (this.beforeCommitHandlers.length === 0) return undefined;
    const levels = this.levels.get(queryRunner);
    // Nothing recorded, or a savepoint being released: the work waits for the outermost commit.
    if (!levels || levels.length !== 1) return undefined;
    const recorded = levels[0];
    if (!recorded.some((entry) => this.beforeCommitNames.has(entry.event.name))) return undefined;
    return this.runBeforeCommit(queryRunner, recorded);
  }

  private async runBeforeCommit(queryRunner: QueryRunner, recorded: Recorded[]): Promise<void> {
    for (let handled = 0; handled < recorded.length; ) {
      const batch = recorded.slice(handled).map((entry) => entry.event);
      handled = recorded.length;
      for (const registered of this.beforeCommitHandlers) await registered.run(queryRunner.manager, batch);
    }
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
