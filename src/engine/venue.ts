import type { EntityManager } from 'typeorm';

/**
 * The contract between the venue engine (src/engine) and a venue that runs on it (perps in src/trades,
 * later order books in src/markets). The engine owns leadership, intake, ordering, batching, fencing,
 * command-id dedupe, replies and recovery; the venue owns its state, its rows and its ledger postings.
 */

/** A command as the engine carries it from any instance to the shard's leader. */
export interface EngineCommand<Payload = unknown> {
  /**
   * Stable id. Made from the caller's Idempotency-Key when there is one (a retry then carries the same id),
   * else a fresh uuid. A command whose id the shard already committed is not applied again: its stored
   * outcome is returned.
   */
  id: string;
  /** The venue's command name: `open`, `close`, `place-order`, … */
  type: string;
  /** Who asked; absent for commands the venue raises itself (a tick, an expiry). */
  userId?: string;
  payload: Payload;
}

/** A refusal as the HTTP layer needs it: the domain error's stable name, status, message and details. */
export interface CommandRefusal {
  status: number;
  error: string;
  message: string;
  details?: Record<string, unknown>;
}

/** One command's outcome. Results and refusals must be JSON-serialisable (they are stored and sent between instances). */
export type CommandOutcome<Result = unknown> = { ok: true; result: Result } | { ok: false; refusal: CommandRefusal };

/**
 * What the engine tells `applyBatch` about the batch's place in the shard's pipeline (ENGINE_PIPELINE_DEPTH > 1:
 * the next batch is applied while the previous one still commits).
 */
export interface BatchContext {
  /**
   * True when this batch is applied while the previous batch of the shard has not committed yet (the venue's
   * `overlaps` allowed it). Its statements then run next to the previous batch's uncommitted ones.
   */
  readonly overlapped: boolean;
  /**
   * Runs `work` in the batch's transaction once every earlier batch of the shard has committed, after the apply
   * and before the fence and COMMIT. Rows that every batch of the shard writes (a candle row, a per-shard total)
   * belong here: taken during an overlapped apply, their lock could be the one the previous batch still waits
   * for while this batch waits for that batch's commit, a wait PostgreSQL's deadlock detector cannot see.
   */
  beforeCommit(work: () => Promise<void>): void;
  /**
   * Resolves once every earlier batch of the shard has committed (at once when this batch is not overlapped);
   * rejects when one rolled back (this batch then rolls back too). An overlapped apply that meets work it may not do
   * beside an uncommitted predecessor (a row that batch inserted, a lock every batch takes) awaits this first and
   * goes on as a batch applied after its predecessor's commit.
   */
  afterEarlierCommitted(): Promise<void>;
  /**
   * The venue's row as `VenueShard.lockSql` locked it in the batch's head statement (null: no such row), or
   * undefined when the engine did not take that lock for this batch (no `lockSql`, or an overlapped batch): the
   * venue then takes its lock itself.
   */
  readonly locked?: Record<string, unknown> | null;
}

/**
 * A venue's side of one shard. The engine calls these on the shard's leader only, one call at a time.
 */
export interface VenueShard<State> {
  /** Rebuilds the shard's in-memory state from PostgreSQL, the source of truth (after taking the lease, or after a failed batch). */
  load(manager: EntityManager, shard: string): Promise<State>;
  /**
   * Applies a batch of commands, in arrival order, inside the batch's transaction (already fenced by the
   * engine): writes their rows and ledger postings and returns one outcome per command, in the same order.
   * A refused command leaves neither writes nor state changes; the others still commit. If the transaction
   * later fails, the engine discards `state` and calls `load` again, so mutating it here is allowed.
   * Events recorded with DomainEventBus.afterCommit(manager, …) are delivered once the batch commits.
   */
  applyBatch(manager: EntityManager, state: State, commands: EngineCommand[], shard: string, context?: BatchContext): Promise<CommandOutcome[]>;
  /**
   * Optional (default: never): whether `commands` may be applied, on `state` as the previous batch's apply left it,
   * before that batch has committed (ENGINE_PIPELINE_DEPTH > 1). The engine applies batches one at a time and in order either way, and
   * commits them in that order; a batch that overlaps runs its statements while the previous batch's writes are
   * still uncommitted. Answer true only for commands that (a) never read or update rows an earlier batch of the
   * shard may have written (its writes are invisible, an UPDATE of a row it inserted finds nothing), and (b) take
   * the locks of rows every batch writes only in `context.beforeCommit`. Row locks an earlier batch may also hold
   * (a user's account) are fine otherwise: the earlier batch took all of its locks before this apply began, so
   * the wait is on it and it never waits on this one.
   */
  overlaps?(commands: EngineCommand[], state: State): boolean;
  /**
   * Optional: a `SELECT … FOR UPDATE` of one row that every batch of the shard locks first (a market row), with
   * `$2` standing for the shard. The engine runs it in the same statement as the batch's fence and stored-outcome
   * lookup, after the fence, and hands the row to `applyBatch` as `context.locked` (one round trip instead of
   * three). Never for an overlapped batch: its lock would wait for the previous batch's commit.
   */
  readonly lockSql?: string;
  /**
   * Optional: applies a command at once, without a transaction, when applying it would write nothing (a tick
   * that fires nothing): returns its outcome, or null when it would write, and then the engine applies it in a
   * committed batch as usual (so whatever fires does so exactly once, fenced). Synchronous, no I/O.
   *
   * The engine calls it on the leader only for local commands without an id (nothing to deduplicate or store)
   * and only while the shard is idle: no command queued and no batch being applied or committed, so the command
   * sees the state every earlier command left, committed, and none after it (arrival order holds). There is no
   * fence: an instance that lost its lease without knowing yet may still answer, which is harmless because the
   * outcome claims nothing durable. It must leave `state` as it found it (no batch can roll it back).
   */
  applyWithoutWrites?(state: State, command: EngineCommand, shard: string): CommandOutcome | null;
}

export interface VenueDefinition<State> {
  /** `perps`: part of Redis keys and `engine_shards` rows. */
  venue: string;
  /** The shards that exist now (symbols); read again on every lease pass. */
  shards(): string[];
  shard: VenueShard<State>;
}

/**
 * An input the venue raises itself on the shard's leader (a price tick, an expiry timer), applied in the same
 * order and batches as users' commands. Without `id` it is neither deduplicated nor stored in `engine_commands`
 * (a tick has nothing to replay: the next leader gets fresh ticks); give it a stable id (`expire:<orderId>`)
 * when applying it twice would be wrong.
 */
export type LocalCommand<Payload = unknown> = Omit<EngineCommand<Payload>, 'id'> & { id?: string };

/** This instance started or stopped leading one shard of a venue (state loaded and taking commands, or not any more). */
export interface LeadershipChange {
  venue: string;
  shard: string;
  leading: boolean;
}

export type LeadershipListener = (change: LeadershipChange) => void;
