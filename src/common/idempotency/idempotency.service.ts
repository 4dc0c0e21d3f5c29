import { Injectable, Logger } from '@nestjs/common';
import { Cron, CronExpression } from '@nestjs/schedule';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, QueryRunner } from 'typeorm';
import { AppConfig } from '../../config/app-config';
import { dependencyOutageOf } from '../errors/dependency-outage';
import { IdempotencyKeyInFlight, IdempotencyKeyMismatch } from '../errors/domain-error';
import { TickBatcher } from '../concurrency/tick-batcher';
import { errorAnswerOf } from '../http/all-exceptions.filter';
import { CommandUnit, outsideCommandUnit, runInCommandUnit } from '../transactions/command-transaction';
import { IdempotentCommand, KeyAnsweredMeanwhile, KeyRecord, KeyStore } from './idempotent-command';

export interface IdempotentAnswer {
  /** True when this is the stored answer of an earlier request with the key. */
  replayed: boolean;
  status: number;
  body: unknown;
}

/** One key of `executeBatch`: its answer (stored before, or given now), or what refused it without an answer to store. */
export type KeyedOutcome = { answer: IdempotentAnswer } | { error: unknown };

/** What the batch's handler made of one claimed key: a result (answered with the success status) or a refusal (a 4xx is stored). */
export type BatchItemResult = { ok: true; body: unknown } | { ok: false; error: unknown };

interface StoredKey {
  scope?: string;
  key?: string;
  request_hash: string;
  state: 'in_flight' | 'completed';
  response_status: number | null;
  response_body: unknown;
}

/** An answer for `claimAnswered`. */
interface KeyAnswer {
  record: KeyRecord;
  status: number;
  body: unknown;
}

type AnswerClaim = { claimed: boolean } | { error: unknown };

/** How long answers written together wait for a key another request holds before each is written alone (with the full wait). */
const GROUP_LOCK_WAIT_MS = 100;

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
  /** The lookups of requests that arrive together, in one statement. */
  private readonly lookups = new TickBatcher<KeyRecord, StoredKey | undefined | { error: unknown }>(async (records) => {
    const lookup = async (some: KeyRecord[]) => {
      const stored = await this.storedAnswers(this.dataSource.manager, some);
      return some.map((record) => stored.get(keyOf(record)));
    };
    // A failed lookup of several is tried once per key, so one request's failure stays its own.
    if (records.length === 1) return lookup(records);
    return lookup(records).catch(() => Promise.all(records.map((record) => lookup([record]).then(([one]) => one, (error: unknown) => ({ error })))));
  });
  private readonly answers = new TickBatcher<KeyAnswer, AnswerClaim>((answers) => this.claimAnsweredTogether(answers, false));
  private readonly reproducibleAnswers = new TickBatcher<KeyAnswer, AnswerClaim>((answers) => this.claimAnsweredTogether(answers, true));

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

  /**
   * `execute` for many keys at once, with the same outcome for each as if each had its own request: stored
   * answers replayed (one lookup), the rest claimed in one transaction (one insert) in which `handle` runs
   * (its `commandTransaction` joins it, in a savepoint) and every answer is stored (one update): a result with
   * `successStatus`, a 4xx refusal as its error answer; a key refused otherwise keeps no row, as in `execute`.
   * Everything commits together, so a crash leaves either nothing or every answer. `handle` gets the indices of
   * the claimed keys and returns one result per index, in order. If it throws, a client error is the answer of
   * every claimed key (as the whole batch's refusal); anything else rolls back and is thrown. A key another
   * request holds in flight past IDEMPOTENCY_WAIT_MS fails the whole batch with IdempotencyKeyInFlight.
   */
  async executeBatch(records: KeyRecord[], handle: (claimed: number[]) => Promise<BatchItemResult[]>, successStatus: number): Promise<KeyedOutcome[]> {
    const seen = new Set(records.map(keyOf));
    if (seen.size !== records.length) throw new Error('executeBatch: a key appears twice in the batch');
    const outcomes: KeyedOutcome[] = new Array<KeyedOutcome>(records.length);
    const pending: number[] = [];
    const stored = await this.storedAnswers(this.dataSource.manager, records);
    records.forEach((record, index) => {
      const found = stored.get(keyOf(record));
      if (found) outcomes[index] = storedOutcome(found, record);
      else pending.push(index);
    });
    if (pending.length === 0) return outcomes;

    const runner = this.dataSource.createQueryRunner();
    const unit = new KeyedBatchUnit(this.dataSource, runner);
    try {
      await runner.startTransaction();
      const claimedKeys = await this.claimMany(runner.manager, pending.map((index) => records[index]));
      const claimed = pending.filter((index) => claimedKeys.has(keyOf(records[index])));
      // Answered by a concurrent request between the lookup and the claim: replay those answers.
      const meanwhile = pending.filter((index) => !claimedKeys.has(keyOf(records[index])));
      if (meanwhile.length > 0) {
        const answered = await this.storedAnswers(runner.manager, meanwhile.map((index) => records[index]));
        for (const index of meanwhile) {
          const found = answered.get(keyOf(records[index]));
          outcomes[index] = found ? storedOutcome(found, records[index]) : { error: new IdempotencyKeyInFlight() };
        }
      }
      let results: BatchItemResult[];
      try {
        results = claimed.length === 0 ? [] : await runInCommandUnit(unit, () => handle(claimed));
      } catch (error) {
        const refusal = storableClientError(error);
        if (!refusal || unit.workCommitted) throw error;
        results = claimed.map(() => ({ ok: false, error }));
      }
      const answers: { record: KeyRecord; status: number; body: unknown }[] = [];
      const dropped: KeyRecord[] = [];
      claimed.forEach((index, at) => {
        const result = results[at];
        if (result.ok) {
          answers.push({ record: records[index], status: successStatus, body: result.body });
          outcomes[index] = { answer: { replayed: false, status: successStatus, body: result.body } };
          return;
        }
        const refusal = storableClientError(result.error);
        if (refusal) answers.push({ record: records[index], status: refusal.status, body: refusal.body });
        else dropped.push(records[index]);
        outcomes[index] = { error: result.error };
      });
      await this.answerMany(runner.manager, answers);
      if (dropped.length > 0) {
        await runner.manager.query(`DELETE FROM idempotency_keys k USING unnest($1::text[], $2::text[]) AS v(scope, key) WHERE k.scope = v.scope AND k.key = v.key`, [
          dropped.map((record) => record.scope),
          dropped.map((record) => record.key),
        ]);
      }
      await runner.commitTransaction();
    } catch (error) {
      unit.close();
      if (runner.isTransactionActive) await runner.rollbackTransaction().catch((failure: Error) => this.logger.warn(`rolling back a keyed batch failed: ${failure.message}`));
      throw error;
    } finally {
      await runner.release();
    }
    await unit.runEffects(this.logger);
    return outcomes;
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

  async claimAnswered(record: KeyRecord, status: number, body: unknown, reproducedByRetry: boolean): Promise<boolean> {
    const answered = await (reproducedByRetry ? this.reproducibleAnswers : this.answers).submit({ record, status, body });
    if ('error' in answered) throw answered.error;
    return answered.claimed;
  }

  /**
   * `claimAnswered` of the answers given in one turn of the event loop, in one statement. A key twice among them
   * (concurrent duplicates) is claimed by the first; the second was answered meanwhile. Together they wait at most
   * GROUP_LOCK_WAIT_MS for a key another request holds: past that, or if the statement fails, each is written alone.
   */
  private async claimAnsweredTogether(answers: KeyAnswer[], reproducedByRetry: boolean): Promise<AnswerClaim[]> {
    const firstOf = new Map<string, number>();
    const distinct: KeyAnswer[] = [];
    const slots = answers.map((answer) => {
      const key = keyOf(answer.record);
      if (firstOf.has(key)) return -1;
      firstOf.set(key, distinct.length);
      distinct.push(answer);
      return distinct.length - 1;
    });
    const waitMs = Math.max(1, this.config.idempotencyWaitMs);
    let claimed: AnswerClaim[];
    if (distinct.length === 1) {
      claimed = [await this.claimAnsweredRows(distinct, waitMs, reproducedByRetry).then(([one]) => one, (error: unknown) => ({ error }))];
    } else {
      claimed = await this.claimAnsweredRows(distinct, Math.min(waitMs, GROUP_LOCK_WAIT_MS), reproducedByRetry).catch(() =>
        Promise.all(distinct.map((answer) => this.claimAnsweredRows([answer], waitMs, reproducedByRetry).then(([one]) => one, (error: unknown) => ({ error })))),
      );
    }
    return slots.map((slot) => (slot < 0 ? { claimed: false } : claimed[slot]));
  }

  private async claimAnsweredRows(answers: KeyAnswer[], lockWaitMs: number, reproducedByRetry: boolean): Promise<AnswerClaim[]> {
    // One autocommit statement: the CTE sets lock_timeout for this statement's own transaction before the insert
    // can wait on the unique index (a concurrent request holding a key in its transaction), as `claim` does, and
    // synchronous_commit for its commit.
    let rows: { scope: string; key: string }[];
    try {
      rows = (await this.dataSource.query(
        `WITH wait AS (SELECT set_config('lock_timeout', $7, true), CASE WHEN $8::boolean THEN set_config('synchronous_commit', 'off', true) END)
         INSERT INTO idempotency_keys (scope, key, request_hash, state, response_status, response_body, expires_at)
         SELECT v.scope, v.key, v.request_hash, 'completed', v.status, v.body::json, now() + make_interval(hours => $4)
           FROM wait, unnest($1::text[], $2::text[], $3::text[], $5::int[], $6::text[]) AS v(scope, key, request_hash, status, body)
         ON CONFLICT (scope, key) DO UPDATE
           SET request_hash = EXCLUDED.request_hash, state = 'completed', response_status = EXCLUDED.response_status,
               response_body = EXCLUDED.response_body, created_at = now(), expires_at = EXCLUDED.expires_at
           WHERE idempotency_keys.expires_at < now()
         RETURNING scope, key`,
        [
          answers.map((answer) => answer.record.scope),
          answers.map((answer) => answer.record.key),
          answers.map((answer) => answer.record.requestHash),
          this.config.idempotencyKeyTtlHours,
          answers.map((answer) => answer.status),
          answers.map((answer) => JSON.stringify(answer.body ?? null)),
          `${lockWaitMs}ms`,
          reproducedByRetry,
        ],
      )) as { scope: string; key: string }[];
    } catch (error) {
      if ((error as { code?: unknown }).code === LOCK_NOT_AVAILABLE) throw new IdempotencyKeyInFlight();
      throw error;
    }
    const inserted = new Set(rows.map(keyOf));
    return answers.map((answer) => ({ claimed: inserted.has(keyOf(answer.record)) }));
  }

  /** `claim` of many keys in one statement: the keys it claimed (the others were answered and are still live). */
  private async claimMany(manager: EntityManager, records: KeyRecord[]): Promise<Set<string>> {
    await manager.query(`SELECT set_config('lock_timeout', $1, true)`, [`${Math.max(1, this.config.idempotencyWaitMs)}ms`]);
    let rows: { scope: string; key: string }[];
    try {
      rows = (await manager.query(
        `INSERT INTO idempotency_keys (scope, key, request_hash, state, expires_at)
         SELECT v.scope, v.key, v.request_hash, 'in_flight', now() + make_interval(hours => $4)
           FROM unnest($1::text[], $2::text[], $3::text[]) AS v(scope, key, request_hash)
         ON CONFLICT (scope, key) DO UPDATE
           SET request_hash = EXCLUDED.request_hash, state = 'in_flight', response_status = NULL, response_body = NULL,
               created_at = now(), expires_at = EXCLUDED.expires_at
           WHERE idempotency_keys.expires_at < now()
         RETURNING scope, key`,
        [records.map((record) => record.scope), records.map((record) => record.key), records.map((record) => record.requestHash), this.config.idempotencyKeyTtlHours],
      )) as { scope: string; key: string }[];
    } catch (error) {
      if ((error as { code?: unknown }).code === LOCK_NOT_AVAILABLE) throw new IdempotencyKeyInFlight();
      throw error;
    }
    await manager.query(`SET LOCAL lock_timeout TO DEFAULT`);
    return new Set(rows.map(keyOf));
  }

  /** `answer` of many keys in one statement. */
  private async answerMany(manager: EntityManager, answers: { record: KeyRecord; status: number; body: unknown }[]): Promise<void> {
    if (answers.length === 0) return;
    await manager.query(
      `UPDATE idempotency_keys k SET state = 'completed', response_status = v.status, response_body = v.body::json
         FROM unnest($1::text[], $2::text[], $3::int[], $4::text[]) AS v(scope, key, status, body)
        WHERE k.scope = v.scope AND k.key = v.key`,
      [answers.map((a) => a.record.scope), answers.map((a) => a.record.key), answers.map((a) => a.status), answers.map((a) => JSON.stringify(a.body ?? null))],
    );
  }

  private async storedAnswers(manager: EntityManager, records: KeyRecord[]): Promise<Map<string, StoredKey>> {
    const rows = (await manager.query(
      `SELECT k.scope, k.key, k.request_hash, k.state, k.response_status, k.response_body
         FROM idempotency_keys k JOIN unnest($1::text[], $2::text[]) AS v(scope, key) ON k.scope = v.scope AND k.key = v.key
        WHERE k.expires_at >= now()`,
      [records.map((record) => record.scope), records.map((record) => record.key)],
    )) as StoredKey[];
    return new Map(rows.map((row) => [keyOf({ scope: row.scope!, key: row.key! }), row]));
  }

  @Cron(CronExpression.EVERY_HOUR)
  async purgeExpired(): Promise<number> {
    const [, count] = (await this.dataSource.query(`DELETE FROM idempotency_keys WHERE expires_at < now()`)) as [unknown, number];
    return count;
  }

  private async storedAnswer(record: KeyRecord): Promise<IdempotentAnswer | undefined> {
    const stored = await this.lookups.submit(record);
    if (!stored) return undefined;
    if ('error' in stored) throw stored.error;
    if (stored.request_hash !== record.requestHash) throw new IdempotencyKeyMismatch();
    // Written by a version that claimed keys in a transaction of their own: its outcome is unknown until it expires.
    if (stored.state !== 'completed') throw new IdempotencyKeyInFlight();
    return { replayed: true, status: stored.response_status!, body: stored.response_body };
  }
}

function keyOf(record: { scope: string; key: string }): string {
  return `${record.scope}\u0000${record.key}`;
}

/** A stored row as `execute` answers it: replayed, or the key's own refusal (another request's, or still in flight). */
function storedOutcome(stored: StoredKey, record: KeyRecord): KeyedOutcome {
  if (stored.request_hash !== record.requestHash) return { error: new IdempotencyKeyMismatch() };
  if (stored.state !== 'completed') return { error: new IdempotencyKeyInFlight() };
  return { answer: { replayed: true, status: stored.response_status!, body: stored.response_body } };
}

/** The command unit of `executeBatch`: the handler's `commandTransaction` runs in a savepoint of the keys' transaction. */
class KeyedBatchUnit implements CommandUnit {
  workCommitted = false;
  private closed = false;
  private effects: (() => unknown)[] = [];

  constructor(
    private readonly dataSource: DataSource,
    private readonly runner: QueryRunner,
  ) {}

  get open(): boolean {
    return !this.closed;
  }

  async transaction<T>(dataSource: DataSource, work: (manager: EntityManager) => Promise<T>): Promise<T> {
    if (dataSource !== this.dataSource || this.closed) return dataSource.transaction(work);
    const result = await this.runner.manager.transaction(work);
    this.workCommitted = true;
    return result;
  }

  deferUntilCommit(effect: () => unknown): boolean {
    if (this.closed) return false;
    this.effects.push(effect);
    return true;
  }

  close(): void {
    this.closed = true;
    this.effects = [];
  }

  async runEffects(logger: Logger): Promise<void> {
    this.closed = true;
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

/** A 4xx the handler answered (its retry gets the same); not the key's own errors, nor a rate limit. */
function storableClientError(error: unknown): { status: number; body: unknown } | undefined {
  if (error instanceof IdempotencyKeyInFlight || error instanceof IdempotencyKeyMismatch) return undefined;
  const answer = errorAnswerOf(error);
  if (!answer || answer.statusCode < 400 || answer.statusCode >= 500 || answer.statusCode === 429) return undefined;
  return { status: answer.statusCode, body: answer };
}
