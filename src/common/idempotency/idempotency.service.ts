import { Injectable, Logger } from '@nestjs/common';
import { Cron, CronExpression } from '@nestjs/schedule';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AppConfig } from '../../config/app-config';
import { dependencyOutageOf } from '../errors/dependency-outage';
import { IdempotencyKeyInFlight, IdempotencyKeyMismatch } from '../errors/domain-error';
import { errorAnswerOf } from '../http/all-exceptions.filter';
import { runInCommandUnit } from '../transactions/command-transaction';
import { IdempotentCommand, KeyAnsweredMeanwhile, KeyRecord, KeyStore } from './idempotent-command';

export interface IdempotentAnswer {
  /** True when this is the stored answer of an earlier request with the key. */
  replayed: boolean;
  status: number;
  body: unknown;
}

interface StoredKey {
  request_hash: string;
  state: 'in_flight' | 'completed';
  response_status: number | null;
  response_body: unknown;
}

/** SQLSTATE lock_not_available: lock_timeout ran out while another request held the key. */
const LOCK_NOT_AVAILABLE = '55P03';

/**
 * The table behind `@Idempotent()`. A request with a key first looks for a stored answer (and replays
 * it); otherwise its handler runs as an `IdempotentCommand`, which writes the key's row in the command's
 * own transaction and stores the response there: a success or a client error (4xx), never a 5xx.
 * A repeat while the first is running waits for it up to IDEMPOTENCY_WAIT_MS, then answers 409.
 */
@Injectable()
export class IdempotencyService implements KeyStore {
  private readonly logger = new Logger('Idempotency');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
  ) {}

  /** Replays the stored answer for `record`, or runs `handle` and answers with what it returned (`statusOf()` read after it). */
  async execute(record: KeyRecord, handle: () => Promise<unknown>, statusOf: () => number): Promise<IdempotentAnswer> {
    for (;;) {
      const stored = await this.storedAnswer(record);
      if (stored) return stored;
      const command = new IdempotentCommand(this.dataSource, this, record);
      let body: unknown;
      try {
        body = await runInCommandUnit(command, handle);
      } catch (error) {
        // Another request answered the key while this one validated its input: replay that answer.
        if (error instanceof KeyAnsweredMeanwhile) continue;
        await command.fail(storableClientError(error)).catch((failure: Error) => {
          // A connection cut under the request also fails its rollback (PostgreSQL rolls back by itself): not a bug.
          if (dependencyOutageOf(failure)) this.logger.warn(`rolling back a keyed request failed, its connection is gone: ${failure.message}`);
          else this.logger.error(`rolling back a keyed request failed: ${failure.message}`);
        });
        throw error;
      }
      const status = statusOf();
      await command.complete(status, body);
      return { replayed: false, status, body };
    }
  }

  async claim(manager: EntityManager, record: KeyRecord): Promise<boolean> {
    // Waits on the unique index while a concurrent request holds the key: bounded like IDEMPOTENCY_WAIT_MS says.
    await manager.query(`SELECT set_config('lock_timeout', $1, true)`, [`${Math.max(1, this.config.idempotencyWaitMs)}ms`]);
    let rows: unknown[];
    try {
      rows = (await manager.query(
        `INSERT INTO idempotency_keys (scope, key, request_hash, state, expires_at)
         VALUES ($1, $2, $3, 'in_flight', now() + make_interval(hours => $4))
         ON CONFLICT (scope, key) DO UPDATE
           SET request_hash = EXCLUDED.request_hash, state = 'in_flight', response_status = NULL, response_body = NULL,
               created_at = now(), expires_at = EXCLUDED.expires_at
           WHERE idempotency_keys.expires_at < now()
         RETURNING key`,
        [record.scope, record.key, record.requestHash, this.config.idempotencyKeyTtlHours],
      )) as unknown[];
    } catch (error) {
      if ((error as { code?: unknown }).code === LOCK_NOT_AVAILABLE) throw new IdempotencyKeyInFlight();
      throw error;
    }
    await manager.query(`SET LOCAL lock_timeout TO DEFAULT`);
    return rows.length > 0;
  }

  async answer(manager: EntityManager, record: KeyRecord, status: number, body: unknown): Promise<void> {
    await manager.query(
      `UPDATE idempotency_keys SET state = 'completed', response_status = $3, response_body = $4::json WHERE scope = $1 AND key = $2`,
      [record.scope, record.key, status, JSON.stringify(body ?? null)],
    );
  }

  @Cron(CronExpression.EVERY_HOUR)
  async purgeExpired(): Promise<number> {
    const [, count] = (await this.dataSource.query(`DELETE FROM idempotency_keys WHERE expires_at < now()`)) as [unknown, number];
    return count;
  }

  private async storedAnswer(record: KeyRecord): Promise<IdempotentAnswer | undefined> {
    const [stored] = (await this.dataSource.query(
      `SELECT request_hash, state, response_status, response_body FROM idempotency_keys WHERE scope = $1 AND key = $2 AND expires_at >= now()`,
      [record.scope, record.key],
    )) as StoredKey[];
    if (!stored) return undefined;
    if (stored.request_hash !== record.requestHash) throw new IdempotencyKeyMismatch();
    // Written by a version that claimed keys in a transaction of their own: its outcome is unknown until it expires.
    if (stored.state !== 'completed') throw new IdempotencyKeyInFlight();
    return { replayed: true, status: stored.response_status!, body: stored.response_body };
  }
}

/** A 4xx the handler answered (its retry gets the same); not the key's own errors, nor a rate limit. */
function storableClientError(error: unknown): { status: number; body: unknown } | undefined {
  if (error instanceof IdempotencyKeyInFlight || error instanceof IdempotencyKeyMismatch) return undefined;
  const answer = errorAnswerOf(error);
  if (!answer || answer.statusCode < 400 || answer.statusCode >= 500 || answer.statusCode === 429) return undefined;
  return { status: answer.statusCode, body: answer };
}
