import { Logger } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import type { EntitySubscriberInterface, QueryRunner, TransactionCommitEvent, TransactionRollbackEvent, TransactionStartEvent } from 'typeorm';
import { BalanceChangedEvent, DomainEvent } from '../common/events/domain-events';

type LatestByAccount = Map<string, BalanceChangedEvent>;

/**
 * Holds the latest balance of each user account a transaction changed and emits `balance.changed`
 * once that transaction commits (never on rollback). Venues post through their own EntityManager,
 * so this is how the ledger learns when their transaction is really over. A savepoint (a nested
 * `manager.transaction`) gets a layer of its own: rolling back to it forgets what it recorded.
 */
export class BalanceEventsAfterCommit implements EntitySubscriberInterface {
  private readonly logger = new Logger('Ledger');
  /** Per open transaction, one layer per transaction level, innermost last. */
  private readonly layers = new WeakMap<QueryRunner, LatestByAccount[]>();

  constructor(private readonly events: EventEmitter2) {}

  record(queryRunner: QueryRunner, event: BalanceChangedEvent): void {
    let layers = this.layers.get(queryRunner);
    if (!layers) this.layers.set(queryRunner, (layers = []));
    // Created at the first record, at whatever level that is; the levels around it recorded nothing yet.
    if (layers.length === 0) layers.push(new Map());
    layers[layers.length - 1].set(`${event.userId}/${event.asset}`, event);
  }

  afterTransactionStart({ queryRunner }: TransactionStartEvent): void {
    // Levels are tracked from the first record on; before it there is nothing to forget.
    this.layers.get(queryRunner)?.push(new Map());
  }

  afterTransactionCommit({ queryRunner }: TransactionCommitEvent): void {
    const layers = this.layers.get(queryRunner);
    if (!layers) return;
    if (queryRunner.isTransactionActive) {
      // A released savepoint: what it recorded now belongs to the level around it.
      const released = layers.pop() ?? new Map();
      if (layers.length === 0) layers.push(released);
      else for (const [account, event] of released) layers[layers.length - 1].set(account, event);
      return;
    }
    this.layers.delete(queryRunner);
    const latest: LatestByAccount = new Map();
    for (const layer of layers) for (const [account, event] of layer) latest.set(account, event);
    // Listeners run after the caller's commit returns, and their failures cannot undo it.
    setImmediate(() => {
      for (const event of latest.values()) {
        try {
          this.events.emit(DomainEvent.BalanceChanged, event);
        } catch (error) {
          this.logger.error(`balance.changed listener failed: ${(error as Error).message}`);
        }
      }
    });
  }

  afterTransactionRollback({ queryRunner }: TransactionRollbackEvent): void {
    if (!queryRunner.isTransactionActive) this.layers.delete(queryRunner);
    else this.layers.get(queryRunner)?.pop();
  }
}
