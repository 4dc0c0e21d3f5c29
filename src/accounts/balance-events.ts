import { Logger } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import type { EntitySubscriberInterface, QueryRunner, TransactionCommitEvent, TransactionRollbackEvent } from 'typeorm';
import { BalanceChangedEvent, DomainEvent } from '../common/events/domain-events';

/**
 * Holds the latest balance of each user account a transaction changed and emits `balance.changed`
 * once that transaction commits (never on rollback). Venues post through their own EntityManager,
 * so this is how the ledger learns when their transaction is really over.
 */
export class BalanceEventsAfterCommit implements EntitySubscriberInterface {
  private readonly logger = new Logger('Ledger');
  private readonly pending = new WeakMap<QueryRunner, Map<string, BalanceChangedEvent>>();

  constructor(private readonly events: EventEmitter2) {}

  record(queryRunner: QueryRunner, event: BalanceChangedEvent): void {
    let byAccount = this.pending.get(queryRunner);
    if (!byAccount) this.pending.set(queryRunner, (byAccount = new Map()));
    byAccount.set(`${event.userId}/${event.asset}`, event);
  }

  afterTransactionCommit({ queryRunner }: TransactionCommitEvent): void {
    // A released savepoint also reports a commit; only the outermost COMMIT makes changes visible.
    if (queryRunner.isTransactionActive) return;
    const byAccount = this.pending.get(queryRunner);
    if (!byAccount) return;
    this.pending.delete(queryRunner);
    // Listeners run after the caller's commit returns, and their failures cannot undo it.
    setImmediate(() => {
      for (const event of byAccount.values()) {
        try {
          this.events.emit(DomainEvent.BalanceChanged, event);
        } catch (error) {
          this.logger.error(`balance.changed listener failed: ${(error as Error).message}`);
        }
      }
    });
  }

  afterTransactionRollback({ queryRunner }: TransactionRollbackEvent): void {
    if (!queryRunner.isTransactionActive) this.pending.delete(queryRunner);
  }
}
