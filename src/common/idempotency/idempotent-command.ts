import { Logger } from '@nestjs/common';
import type { DataSource, EntityManager, QueryRunner } from 'typeorm';
import { CommandUnit, outsideCommandUnit } from '../transactions/command-transaction';

/** The key's row, as the first request's transaction writes it. */
export interface KeyRecord {
  scope: string;
  key: string;
  requestHash: string;
}

/** Claims and answers a key inside a transaction the caller holds (IdempotencyService implements it). */
export interface KeyStore {
  /** Inserts the key's row (waiting at most IDEMPOTENCY_WAIT_MS for another request holding it): false when it was answered meanwhile. */
  claim(manager: EntityManager, record: KeyRecord): Promise<boolean>;
  answer(manager: EntityManager, record: KeyRecord, status: number, body: unknown): Promise<void>;
  /**
   * Claims and answers the key in one statement of its own (no work of the request is in a transaction to commit
   * with it), waiting at most IDEMPOTENCY_WAIT_MS for another request holding it: false when it was answered meanwhile.
   * `reproducedByRetry`: the answer is durable elsewhere (see `answerReproducedByRetry`), so the commit does not wait
   * for its WAL flush (a crash may lose the row; the retry then gets the same answer from the engine).
   */
  claimAnswered(record: KeyRecord, status: number, body: unknown, reproducedByRetry: boolean): Promise<boolean>;
}

/** Another request with this key committed its answer while this one ran up to its first write: replay that answer. */
export class KeyAnsweredMeanwhile extends Error {
  constructor() {
    super('Idempotency-Key was answered by a concurrent request');
  }
}

const logger = new Logger('Idempotency');

/**
 * One request with an `Idempotency-Key`. Its first `commandTransaction` opens a transaction, inserts
 * the key's row and runs the work in a savepoint; the row gets the response and commits with the work,
 * so a crash leaves either nothing (the retry runs) or the answer (the retry replays it). A concurrent
 * duplicate blocks on the row's unique index until this one ends.
 *
 * A handler that opened no `commandTransaction` (a command the venue engine committed in its own batch under a
 * command id derived from the key, so a retry is the same command and gets its stored outcome; or a refusal
 * before any work) has nothing to commit with the key: its answer is written in one statement, not in a
 * transaction of four (and, when the engine holds the answer for the retry, without waiting for its WAL flush).
 */
export class IdempotentCommand implements CommandUnit {
  private runner?: QueryRunner;
  private opening?: Promise<QueryRunner>;
  private workCommitted = false;
  private reproducedByRetry = false;
  private effects: (() => unknown)[] = [];
  private ended = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly keys: KeyStore,
    private readonly record: KeyRecord,
  ) {}

  get open(): boolean {
    return !this.ended;
  }

  async transaction<T>(dataSource: DataSource, work: (manager: EntityManager) => Promise<T>): Promise<T> {
    if (dataSource !== this.dataSource) return dataSource.transaction(work);
    const runner = await (this.opening ??= this.claim());
    // A savepoint: a client error in the work rolls back to the key alone, which then stores that answer.
    const result = await runner.manager.transaction(work);
    this.workCommitted = true;
    return result;
  }

  answerReproducedByRetry(): void {
    this.reproducedByRetry = true;
  }

  deferUntilCommit(effect: () => unknown): boolean {
    if (this.ended || !this.runner) return false;
    this.effects.push(effect);
    return true;
  }

  /** Stores the handler's answer with its work and commits both, then runs the deferred effects. */
  async complete(status: number, body: unknown): Promise<void> {
    const stored = await this.store(status, body);
    if (stored) await this.runEffects();
  }

  /**
   * The handler threw. A client error (4xx) is stored as the key's answer when no work of this request
   * is in its transaction (the work's savepoint rolled back); anything else rolls back and leaves no key.
   */
  async fail(clientError: { status: number; body: unknown } | undefined): Promise<void> {
    this.effects = [];
    if (clientError && !this.workCommitted) {
      await this.store(clientError.status, clientError.body).catch((error: Error) => logger.warn(`client error not stored for its key: ${error.message}`));
    } else {
      await this.end(false);
    }
  }

  /** False when another request answered the key first (then this answer is not the stored one). */
  private async store(status: number, body: unknown): Promise<boolean> {
    if (!this.opening) {
      this.ended = true;
      return this.keys.claimAnswered(this.record, status, body, this.reproducedByRetry);
    }
    let runner: QueryRunner;
    try {
      runner = await (this.opening ??= this.claim());
    } catch (error) {
      this.ended = true;
      if (error instanceof KeyAnsweredMeanwhile) return false;
      throw error;
    }
    try {
      await this.keys.answer(runner.manager, this.record, status, body);
      await this.end(true);
      return true;
    } catch (error) {
      await this.end(false);
      throw error;
    }
  }

  private async claim(): Promise<QueryRunner> {
    const runner = this.dataSource.createQueryRunner();
    try {
      await runner.startTransaction();
      if (!(await this.keys.claim(runner.manager, this.record))) throw new KeyAnsweredMeanwhile();
    } catch (error) {
      await runner.rollbackTransaction().catch(() => undefined);
      await runner.release();
      throw error;
    }
    this.runner = runner;
    return runner;
  }

  private async end(commit: boolean): Promise<void> {
    this.ended = true;
    const runner = this.runner;
    if (!runner) return;
    this.runner = undefined;
    try {
      if (commit) await runner.commitTransaction();
      else if (runner.isTransactionActive) await runner.rollbackTransaction();
    } catch (error) {
      // Work that runs before the COMMIT (DomainEventBus.beforeCommit) failed: the transaction is still open.
      if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
      throw error;
    } finally {
      await runner.release();
    }
  }

  private async runEffects(): Promise<void> {
    const effects = this.effects;
    this.effects = [];
    for (const effect of effects) {
      try {
        await outsideCommandUnit(effect);
      } catch (error) {
        logger.warn(`effect after commit failed: ${(error as Error).message}`);
      }
    }
  }
}
