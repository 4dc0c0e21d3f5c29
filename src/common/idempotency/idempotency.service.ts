import { Injectable } from '@nestjs/common';
import { Cron, CronExpression } from '@nestjs/schedule';
import { InjectDataSource } from '@nestjs/typeorm';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../config/app-config';
import { IdempotencyKeyInFlight, IdempotencyKeyMismatch } from '../errors/domain-error';

export type IdempotencyOutcome = { kind: 'first' } | { kind: 'replay'; status: number; body: unknown };

interface StoredKey {
  request_hash: string;
  state: 'in_flight' | 'completed';
  response_status: number | null;
  response_body: unknown;
}

const FIRST_POLL_MS = 10;
const MAX_POLL_MS = 200;

/**
 * The table behind `@Idempotent()`. The first request with a key claims it (`in_flight`); a repeat
 * waits up to IDEMPOTENCY_WAIT_MS for the first to finish and then replays its response. Only
 * successful responses are kept: a failed request moved no money, so its key is freed for a retry.
 */
@Injectable()
export class IdempotencyService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
  ) {}

  async begin(scope: string, key: string, requestHash: string): Promise<IdempotencyOutcome> {
    const deadline = Date.now() + this.config.idempotencyWaitMs;
    let pollMs = FIRST_POLL_MS;
    for (;;) {
      if (await this.claim(scope, key, requestHash)) return { kind: 'first' };
      const rows = (await this.dataSource.query(
        `SELECT request_hash, state, response_status, response_body FROM idempotency_keys WHERE scope = $1 AND key = $2`,
        [scope, key],
      )) as StoredKey[];
      const stored = rows[0];
      if (stored) {
        if (stored.request_hash !== requestHash) throw new IdempotencyKeyMismatch();
        if (stored.state === 'completed') return { kind: 'replay', status: stored.response_status!, body: stored.response_body };
        if (Date.now() >= deadline) throw new IdempotencyKeyInFlight();
        await sleep(pollMs);
        pollMs = Math.min(pollMs * 2, MAX_POLL_MS);
      }
      // No row: the first request failed and freed the key; claim it again.
    }
  }

  async complete(scope: string, key: string, status: number, body: unknown): Promise<void> {
    await this.dataSource.query(
      `UPDATE idempotency_keys SET state = 'completed', response_status = $3, response_body = $4::json WHERE scope = $1 AND key = $2`,
      [scope, key, status, JSON.stringify(body ?? null)],
    );
  }

  async release(scope: string, key: string): Promise<void> {
    await this.dataSource.query(`DELETE FROM idempotency_keys WHERE scope = $1 AND key = $2 AND state = 'in_flight'`, [scope, key]);
  }

  @Cron(CronExpression.EVERY_HOUR)
  async purgeExpired(): Promise<number> {
    const [, count] = (await this.dataSource.query(`DELETE FROM idempotency_keys WHERE expires_at < now()`)) as [unknown, number];
    return count;
  }

  /** Inserts the key as in flight, or takes over an expired one; false when someone else holds it. */
  private async claim(scope: string, key: string, requestHash: string): Promise<boolean> {
    const rows = (await this.dataSource.query(
      `INSERT INTO idempotency_keys (scope, key, request_hash, state, expires_at)
       VALUES ($1, $2, $3, 'in_flight', now() + make_interval(hours => $4))
       ON CONFLICT (scope, key) DO UPDATE
         SET request_hash = EXCLUDED.request_hash, state = 'in_flight', response_status = NULL, response_body = NULL,
             created_at = now(), expires_at = EXCLUDED.expires_at
         WHERE idempotency_keys.expires_at < now()
       RETURNING key`,
      [scope, key, requestHash, this.config.idempotencyKeyTtlHours],
    )) as unknown[];
    return rows.length > 0;
  }
}
