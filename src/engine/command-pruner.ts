import { Logger } from '@nestjs/common';
import type Redis from 'ioredis';
import type { DataSource } from 'typeorm';
import { engineKeys } from './engine-keys';
import type { EngineMetrics } from './engine-metrics';

export interface CommandPrunerOptions {
  /** Rows older than this (by committed_at) are deleted: ENGINE_COMMAND_RETENTION_MS. */
  retentionMs: number;
  /** Rows per DELETE statement (each its own transaction, so locks and WAL stay bounded). */
  chunkSize?: number;
  /** Statements per run at most; a larger backlog is finished by the next runs. */
  maxChunks?: number;
  /** Runs at most this often across all instances (a Redis key held this long). */
  everyMs?: number;
}

export const PRUNE_CHUNK_SIZE = 5000;
const PRUNE_MAX_CHUNKS = 200;
const PRUNE_EVERY_MS = 60_000;

/**
 * Deletes engine_commands rows older than the retention, oldest first, in bounded chunks (the committed_at index
 * serves each chunk). One run covers every venue and shard, delisted ones too. The engine's lease loop starts a run
 * at most once a minute per instance, and a Redis key held for a minute lets only one instance of the fleet run it.
 */
export class CommandPruner {
  private readonly logger = new Logger('VenueEngine');
  private readonly chunkSize: number;
  private readonly maxChunks: number;
  private readonly everyMs: number;
  private lastAttemptAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly dataSource: DataSource,
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly instanceId: string,
    private readonly metrics: EngineMetrics,
    private readonly options: CommandPrunerOptions,
  ) {
    this.chunkSize = options.chunkSize ?? PRUNE_CHUNK_SIZE;
    this.maxChunks = options.maxChunks ?? PRUNE_MAX_CHUNKS;
    this.everyMs = options.everyMs ?? PRUNE_EVERY_MS;
  }

  /**
   * Prunes when this instance has not tried within the interval and no instance ran within it (the Redis key is
   * free); null when it was not its turn. `keepGoing` is asked between chunks (false once the engine stops).
   */
  async pruneIfDue(keepGoing: () => boolean = () => true): Promise<number | null> {
    if (Date.now() - this.lastAttemptAt < this.everyMs) return null;
    this.lastAttemptAt = Date.now();
    const turn = await this.redis.set(engineKeys.pruneTurn(this.prefix), this.instanceId, 'PX', this.everyMs, 'NX');
    if (turn !== 'OK') return null;
    return this.prune(keepGoing);
  }

  /** Deletes expired rows, one chunk per statement, until a chunk comes back short or `maxChunks` ran. */
  async prune(keepGoing: () => boolean = () => true): Promise<number> {
    let deleted = 0;
    for (let chunk = 0; chunk < this.maxChunks && keepGoing(); chunk++) {
      const [, count] = (await this.dataSource.query(
        `DELETE FROM engine_commands WHERE ctid = ANY(ARRAY(
           SELECT ctid FROM engine_commands WHERE committed_at < now() - $1 * interval '1 millisecond' ORDER BY committed_at LIMIT $2))`,
        [this.options.retentionMs, this.chunkSize],
      )) as [unknown, number];
      deleted += count;
      this.metrics.commandsPruned.inc(count);
      if (count < this.chunkSize) break;
    }
    if (deleted > 0) this.logger.log(`pruned ${deleted} engine_commands rows older than ${this.options.retentionMs} ms`);
    return deleted;
  }
}
