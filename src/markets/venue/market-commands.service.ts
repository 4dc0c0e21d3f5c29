import { createHash, randomUUID } from 'node:crypto';
import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown, OnModuleInit, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../config/app-config';
import { DomainError, IdempotencyKeyMismatch, NotFound } from '../../common/errors/domain-error';
import { isUuid } from '../../common/ids';
import { RequestContext } from '../../common/request-context';
import { answerReproducedByRetry, commandTransaction } from '../../common/transactions/command-transaction';
import type { CommandOutcome, EngineCommand } from '../../engine/venue';
import { VenueEngine } from '../../engine/venue-engine.service';
import { MarketClosed } from '../market-errors';
import { type ExpirePayload, type Fingerprinted, MARKETS_VENUE, MarketCommandType } from './market-commands';
import { MarketVenue } from './market-venue';

/** How often the list of markets with a shard is read again from PostgreSQL. */
const SHARD_REFRESH_MS = 1000;
/** An OPEN market keeps its shard while it traded (or was created) this recently, or while it has open orders. */
const ACTIVE_WINDOW_MS = 2 * 60_000;

/** JSON with sorted keys: the same request always has the same fingerprint. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonical(item)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * How a market command reaches its market: through the venue engine (the `markets` venue, one shard per market)
 * when ENGINE_ENABLED, else applied directly in the caller's transaction under the market row's lock (MarketVenue
 * .applyDirect, the same code on a state read for the one command).
 *
 * Idempotency-Key works as for perps (see TradingService): the engine command id is derived from (user, key), so
 * a retry after a 503 or a crash between the engine's commit and the key's is the same command and gets its
 * stored outcome; the outcome echoes the request's fingerprint, so another body through that gap is still 422.
 *
 * The shards are the OPEN markets that have open orders, or traded, were created or were touched in the last
 * ACTIVE_WINDOW_MS, plus those this instance submitted to or led a batch of in that window; read again every
 * second. A command for a market this instance does not list would wait for a leader that may not list it either:
 * the market is checked (404, 409 MarketClosed), listed here and touched (`updated_at`, so every engine instance
 * lists it at its next read) before submitting. A market that closes is let go.
 */
@Injectable()
export class MarketCommands implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('MarketCommands');
  private listed = new Set<string>();
  /** Markets this instance submitted to, and when last: listed at once, kept for ACTIVE_WINDOW_MS while OPEN. */
  private readonly submitted = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private refreshing: Promise<void> | null = null;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly venue: MarketVenue,
    private readonly config: AppConfig,
    @Optional() private readonly engine?: VenueEngine,
  ) {}

  /** Whether commands go through the engine (else applied directly). */
  get onEngine(): boolean {
    return this.engine !== undefined && this.config.engineEnabled;
  }

  /** Whether commands on `marketId` go to a shard this instance lists (the engine is on and the market is OPEN and active). */
  hasShard(marketId: string): boolean {
    return this.onEngine && this.listed.has(marketId);
  }

  onModuleInit(): void {
    if (!this.onEngine) return;
    this.engine!.register({ venue: MARKETS_VENUE, shards: () => [...this.listed], shard: this.venue });
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.onEngine) return;
    await this.refresh();
    this.timer = setInterval(() => void this.refresh(), SHARD_REFRESH_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.refreshing;
  }

  /**
   * Runs one user command on `marketId` and returns its result, or throws the domain error it was refused with.
   * `checkTradable`: a command that needs an OPEN market (orders, trades) is refused before it waits for a shard
   * that a closed market no longer has.
   */
  async run<Result>(marketId: string, userId: string, idempotencyKey: string | undefined, type: string, request: object, checkTradable = true): Promise<Result> {
    const fingerprint = sha256(`${type}\n${marketId}\n${canonical(request)}`);
    // The request id rides along (outside the fingerprint) so the leader's broadcasts of this command name the request.
    const requestId = RequestContext.requestId();
    const command: EngineCommand = { id: commandIdOf(userId, idempotencyKey), type, userId, payload: { ...request, fingerprint, ...(requestId ? { requestId } : {}) } };
    let result: Fingerprinted<Result>;
    if (!this.onEngine) {
      result = (await commandTransaction(this.dataSource, (manager) => this.venue.applyDirect(manager, marketId, command))) as Fingerprinted<Result>;
    } else {
      await this.ensureShard(marketId, checkTradable);
      const outcome = await this.engine!.submit(MARKETS_VENUE, marketId, command);
      // Committed (or refused with a 4xx) and stored under the command id: a retry with the key gets it again.
      if (outcome.ok || outcome.refusal.status < 500) answerReproducedByRetry();
      result = unwrap(outcome) as Fingerprinted<Result>;
    }
    if (result.fingerprint !== fingerprint) throw new IdempotencyKeyMismatch();
    return result.value;
  }

  /** Expires a market's due GTD orders (the expiry job and the sweep); 0 for a market that no longer trades. */
  async expire(marketId: string, now: number = Date.now()): Promise<number> {
    const command: EngineCommand = { id: `expire:${marketId}:${randomUUID()}`, type: MarketCommandType.Expire, payload: { now } satisfies ExpirePayload };
    if (!this.onEngine) return (await this.dataSource.transaction((manager) => this.venue.applyDirect(manager, marketId, command))) as number;
    const status = await this.statusOf(marketId);
    if (status !== 'OPEN') return 0;
    await this.ensureShard(marketId, false);
    return unwrap(await this.engine!.submit(MARKETS_VENUE, marketId, command)) as number;
  }

  private async ensureShard(marketId: string, checkTradable: boolean): Promise<void> {
    if (this.listed.has(marketId) && !checkTradable) return;
    if (this.listed.has(marketId) && this.submitted.has(marketId)) {
      this.submitted.set(marketId, Date.now());
      return;
    }
    const status = await this.statusOf(marketId);
    if (status === undefined) throw new NotFound(`Market ${marketId} not found`);
    if (status !== 'OPEN') {
      if (checkTradable) throw new MarketClosed(`Market ${marketId} is ${status}; it no longer trades`, { status });
      // Nothing of a closed market is open any more (its orders were cancelled with the step): the caller answers from the rows.
      return;
    }
    this.submitted.set(marketId, Date.now());
    if (!this.listed.has(marketId)) {
      this.listed = new Set([...this.listed, marketId]);
      this.engine!.wakeLeasePass();
      // Whoever leads it next must list it too: a trade or a creation in the window does (see refresh).
      await this.dataSource.query(`UPDATE markets SET updated_at = now() WHERE id = $1 AND updated_at < now() - interval '30 seconds'`, [marketId]);
    }
  }

  private async statusOf(marketId: string): Promise<string | undefined> {
    if (!isUuid(marketId)) return undefined;
    const [row] = (await this.dataSource.query(`SELECT status FROM markets WHERE id = $1`, [marketId])) as { status: string }[];
    return row?.status;
  }

  private async refresh(): Promise<void> {
    if (this.refreshing) return;
    this.refreshing = (async () => {
      try {
        // Active here: submitted to from this instance, or led with batches (commands from other instances), lately.
        const since = Date.now() - ACTIVE_WINDOW_MS;
        for (const [id, at] of this.submitted) if (at < since) this.submitted.delete(id);
        const active = [...new Set([...this.submitted.keys(), ...this.venue.activeSince(since)])];
        const rows = (await this.dataSource.query(
          `SELECT m.id FROM markets m
            WHERE m.status = 'OPEN'
              AND (m.updated_at > now() - make_interval(secs => $2) OR m.id = ANY($1::uuid[])
                   OR EXISTS (SELECT 1 FROM market_orders o WHERE o.market_id = m.id AND o.status = 'open'))`,
          [active, ACTIVE_WINDOW_MS / 1000],
        )) as { id: string }[];
        const listed = new Set(rows.map((row) => row.id));
        for (const id of this.submitted.keys()) if (!listed.has(id)) this.submitted.delete(id);
        this.listed = listed;
      } catch (error) {
        this.logger.warn(`reading the markets' shards failed: ${(error as Error).message}`);
      } finally {
        this.refreshing = null;
      }
    })();
    await this.refreshing;
  }
}

function unwrap(outcome: CommandOutcome): unknown {
  if (!outcome.ok) {
    const { status, error, message, details } = outcome.refusal;
    throw new DomainError(status, error, message, details);
  }
  return outcome.result;
}

/** The engine command id of a user's request: stable per (user, Idempotency-Key), else fresh. */
export function commandIdOf(userId: string, idempotencyKey: string | undefined): string {
  if (idempotencyKey === undefined) return randomUUID();
  const hex = sha256(`markets\n${userId}\n${idempotencyKey}`);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
