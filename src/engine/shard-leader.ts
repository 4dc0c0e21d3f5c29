import { Logger } from '@nestjs/common';
import type Redis from 'ioredis';
import type { DataSource, EntityManager } from 'typeorm';
import type { AppConfig } from '../config/app-config';
import { BatchPipeline, PipelineSlot, PredecessorFailed } from './batch-pipeline';
import { BatchQueue } from './batch-queue';
import { batchOutcomes, outcomesToStore, planBatch, QueuedCommand, recordedIds } from './batch-plan';
import { decodeStreamEntry, encodeReplies, CommandReply } from './command-stream';
import { engineUnavailable } from './engine-errors';
import { engineKeys } from './engine-keys';
import type { EngineMetrics } from './engine-metrics';
import type { EngineShardsRepository } from './engine-shards.repository';
import type { BatchContext, CommandOutcome, EngineCommand, VenueDefinition } from './venue';

export interface ShardLeaderDeps {
  dataSource: DataSource;
  /** The shared connection: replies and trimming. The stream is read on a connection of the leader's own (XREAD BLOCK holds it). */
  redis: Redis;
  repository: EngineShardsRepository;
  metrics: EngineMetrics;
  config: AppConfig;
  instanceId: string;
}

interface PendingCommand extends QueuedCommand {
  /** Set for commands read from the stream: where the batch's offset moves to, and where the answer goes. */
  streamId?: string;
  replyTo?: string;
  /** Set for commands submitted on this instance. */
  answer?: (outcome: CommandOutcome) => void;
}

/** The batch's fence found another leader's token. */
class FencedOut extends Error {}

const READ_BLOCK_MS = 1000;
const TRIM_EVERY_MS = 1000;

/**
 * This instance's leadership of one shard: the venue's state, the queue of commands in arrival order
 * (local submits and the shard's Redis stream), and the batch loop that applies and commits them one
 * fenced transaction at a time. It ends when stopped, or by itself when fenced out or unable to
 * rebuild its state (`onLost`).
 */
export class ShardLeader<State> {
  private readonly logger: Logger;
  private readonly queue: BatchQueue<PendingCommand>;
  private readonly pipeline: BatchPipeline;
  /** The stream offset of the newest batch begun: a batch without stream commands stores it (not an older committed one). */
  private latestOffset: string;
  /** A batch failed: the state holds effects that rolled back until the newest batch in flight reloads it. */
  private stale = false;
  private readonly reader: Redis;
  private readonly streamKey: string;
  private batches: Promise<void> = Promise.resolve();
  private reading: Promise<void> = Promise.resolve();
  private lastTrimAt = Date.now();
  /** The offset the last XTRIM kept from. */
  private trimmedOffset = '';
  private ended = false;

  private constructor(
    private readonly deps: ShardLeaderDeps,
    private readonly definition: VenueDefinition<State>,
    readonly shard: string,
    readonly token: number,
    private state: State,
    private committedOffset: string,
    private readonly onLost: (reason: string) => void,
  ) {
    this.logger = new Logger(`VenueEngine:${definition.venue}:${shard}`);
    this.queue = new BatchQueue(deps.config.engineBatchSize, deps.config.engineBatchMs);
    this.pipeline = new BatchPipeline(deps.config.enginePipelineDepth);
    this.latestOffset = committedOffset;
    // XREAD BLOCK holds a command for READ_BLOCK_MS: its timeout is the block plus the shared connection's own.
    const { commandTimeout } = deps.redis.options;
    this.reader = deps.redis.duplicate(commandTimeout === undefined ? {} : { commandTimeout: READ_BLOCK_MS + commandTimeout });
    this.reader.on('error', (error: Error) => this.logger.warn(`stream reader: ${error.message}`));
    this.streamKey = engineKeys.commandStream(deps.config.redisKeyPrefix, definition.venue, shard);
  }

  /**
   * Writes `token` on the shard's row and loads the venue's state in the same transaction (the row stays locked
   * meanwhile, so the previous leader's last batch is committed before, or fenced out). Null when the row holds a
   * larger token than ours, with that token.
   */
  static async take<State>(
    deps: ShardLeaderDeps,
    definition: VenueDefinition<State>,
    shard: string,
    token: number,
    onLost: (reason: string) => void,
  ): Promise<{ leader: ShardLeader<State> } | { heldToken: number }> {
    const taken = await deps.dataSource.transaction(async (manager) => {
      const claim = await deps.repository.claim(manager, definition.venue, shard, token, deps.instanceId);
      if (!claim.claimed) return claim;
      return { ...claim, state: await definition.shard.load(manager, shard) };
    });
    if (!taken.claimed) return { heldToken: taken.heldToken };
    const leader = new ShardLeader(deps, definition, shard, token, taken.state, taken.streamOffset, onLost);
    leader.batches = leader.runBatches();
    leader.reading = leader.readStream(taken.streamOffset);
    return { leader };
  }

  get venue(): string {
    return this.definition.venue;
  }

  /** Commands queued for the next batches (engine_queue_depth). */
  get queued(): number {
    return this.queue.length;
  }

  get accepting(): boolean {
    return !this.queue.isClosed;
  }

  /**
   * Queues a command submitted on this instance; null when this leader no longer takes commands. An unrecorded
   * command that the venue can apply without writing, while the shard is idle, is answered at once instead (see
   * VenueShard.applyWithoutWrites): no batch window, no transaction.
   */
  submit(command: EngineCommand, recorded: boolean): Promise<CommandOutcome> | null {
    if (!recorded && this.queue.idle) {
      const immediate = this.applyWithoutWrites(command);
      if (immediate) return Promise.resolve(immediate);
    }
    let answer!: (outcome: CommandOutcome) => void;
    const outcome = new Promise<CommandOutcome>((resolve) => (answer = resolve));
    return this.queue.push({ command, recorded, answer }) ? outcome : null;
  }

  /** Stops taking commands and finishes the batch in flight. Commands still queued from the stream stay there for the next leader. */
  async stop(): Promise<void> {
    this.end();
    await this.batches;
    await this.reading;
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    for (const pending of this.queue.close()) pending.answer?.(engineUnavailable('the shard is changing leader'));
    this.reader.disconnect();
  }

  private lose(reason: string): void {
    this.logger.warn(`stopped leading (token ${this.token}): ${reason}`);
    this.end();
    this.onLost(reason);
  }

  /**
   * Takes batches off the queue in arrival order and runs up to ENGINE_PIPELINE_DEPTH of them at once, each in
   * its own transaction (see `commit` for what overlaps and what waits). After a failure no batch begins until
   * the state is rebuilt.
   */
  private async runBatches(): Promise<void> {
    const running = new Set<Promise<void>>();
    for (;;) {
      await this.pipeline.whenBelow(this.pipeline.depth);
      if (this.pipeline.inFlight > 0) {
        // Overlap only with a full batch waiting: otherwise what arrives while the batch in flight commits joins the
        // next batch, as with one batch at a time (fewer, larger transactions under light load).
        await Promise.race([this.queue.backlog(this.deps.config.engineBatchSize), this.pipeline.whenBelow(1)]);
        this.queue.stopWaiting();
      }
      const batch = await this.queue.next();
      if (batch.length === 0) break;
      // A batch that failed meanwhile: wait until every batch in flight has settled (the newest reloaded the state).
      if (this.stale) await this.pipeline.whenBelow(1);
      if (this.stale) await this.recover(new Error('state left stale by a failed batch'));
      const slot = this.pipeline.begin();
      const run = this.runBatch(batch, slot).finally(() => {
        running.delete(run);
        this.pipeline.finish(slot);
      });
      running.add(run);
    }
    await Promise.all(running);
  }

  /** The venue's outcome for a command that writes nothing, or null (it goes through a batch). A venue bug here falls back to the batch. */
  private applyWithoutWrites(command: EngineCommand): CommandOutcome | null {
    const { shard: venueShard, venue } = this.definition;
    if (!venueShard.applyWithoutWrites) return null;
    try {
      const outcome = venueShard.applyWithoutWrites(this.state, command, this.shard);
      if (outcome) this.deps.metrics.appliedWithoutBatch.inc({ venue });
      return outcome;
    } catch (error) {
      this.logger.error(`applyWithoutWrites failed, applying ${command.type} in a batch: ${(error as Error).stack ?? String(error)}`);
      return null;
    }
  }

  private async runBatch(batch: PendingCommand[], slot: PipelineSlot): Promise<void> {
    const started = performance.now();
    const streamOffset = batch.findLast((pending) => pending.streamId)?.streamId ?? this.latestOffset;
    this.latestOffset = streamOffset;
    let outcomes: CommandOutcome[];
    try {
      outcomes = await this.deps.dataSource.transaction((manager) => this.commit(manager, batch, streamOffset, slot));
    } catch (error) {
      slot.failed();
      this.stale = true;
      const fenced = error instanceof FencedOut;
      this.observe(fenced ? 'fenced' : 'failed', started, batch.length);
      const why = fenced ? 'the shard has a new leader' : error instanceof PredecessorFailed ? 'an earlier batch could not be committed' : 'the batch could not be committed';
      await this.answer(batch, batch.map(() => engineUnavailable(why)));
      if (fenced) this.lose('fenced out: another instance took the shard');
      else if (!(error instanceof PredecessorFailed)) this.logger.error(`batch failed: ${(error as Error).stack ?? (error as Error).message}`);
      // The newest batch in flight rebuilds the state, once every batch built on the failed one has rolled back too
      // and every batch before it has settled: one still committing (this batch failed on its own, before its
      // predecessor's COMMIT) would otherwise commit effects the reloaded state misses. No batch begins meanwhile
      // (`stale`), and an earlier batch never waits for a later one.
      if (!this.ended && this.pipeline.isLast(slot)) {
        await this.pipeline.whenBelow(2);
        if (!this.ended) await this.recover(error as Error);
      }
      this.queue.done(batch.length);
      return;
    }
    slot.committed();
    this.committedOffset = streamOffset;
    this.observe('committed', started, batch.length);
    // Before the answers: a command their callers submit next may then be applied at once, on the committed state.
    this.queue.done(batch.length);
    await this.answer(batch, outcomes);
    this.trimNowAndThen();
  }

  /**
   * One batch's transaction. Without a batch in flight before it (always with ENGINE_PIPELINE_DEPTH=1): fence,
   * stored outcomes, apply, store, COMMIT. With one (`slot.predecessor`), while that one still commits:
   * - the stored-outcome lookup runs at once; ids the batches in flight store count as stored too (their rows
   *   are not visible yet, and storing them again would wait on their primary key);
   * - the apply waits for the predecessor's apply, then runs at once if the venue's `overlaps` allows it, else
   *   after the predecessor's COMMIT;
   * - the `beforeCommit` work, the fence and COMMIT run after the predecessor's COMMIT: the fence is then the
   *   last statement (a takeover that wrote its token first makes it match no row; one that comes after waits
   *   for this COMMIT), and commit order is apply order. If the predecessor rolled back, so does this batch.
   */
  private async commit(manager: EntityManager, batch: PendingCommand[], streamOffset: string, slot: PipelineSlot): Promise<CommandOutcome[]> {
    const { venue, shard: venueShard } = this.definition;
    const { repository } = this.deps;
    const pipelined = slot.predecessor !== null;
    // Without a predecessor: fence, lookup and the venue's lock in one statement (see EngineShardsRepository.head).
    let locked: Record<string, unknown> | null | undefined;
    let stored: Map<string, CommandOutcome>;
    if (!pipelined) {
      const head = await repository.head(manager, venue, this.shard, this.token, streamOffset, recordedIds(batch), venueShard.lockSql);
      if (!head.fenced) throw new FencedOut();
      stored = head.stored;
      if (venueShard.lockSql) locked = head.locked;
    } else stored = await repository.storedOutcomes(manager, venue, this.shard, recordedIds(batch));
    await slot.afterPredecessorApplied();
    for (const [id, outcome] of slot.outcomesInFlight()) stored.set(id, outcome);
    const plan = planBatch(batch, stored);
    const overlapped = pipelined && (plan.fresh.length === 0 || venueShard.overlaps?.(plan.fresh, this.state) === true);
    if (pipelined && !overlapped) {
      await slot.afterPredecessorCommitted();
      // Fence and the venue's lock together (no lookup: done above).
      const head = await repository.head(manager, venue, this.shard, this.token, streamOffset, [], venueShard.lockSql);
      if (!head.fenced) throw new FencedOut();
      if (venueShard.lockSql) locked = head.locked;
    }
    if (overlapped) this.deps.metrics.overlappedBatches.inc({ venue });
    const deferred: (() => Promise<void>)[] = [];
    const context: BatchContext = {
      overlapped,
      beforeCommit: (work) => void deferred.push(work),
      afterEarlierCommitted: () => (overlapped ? slot.afterPredecessorCommitted() : Promise.resolve()),
      ...(locked !== undefined ? { locked } : {}),
    };
    const applied = plan.fresh.length > 0 ? await venueShard.applyBatch(manager, this.state, plan.fresh, this.shard, context) : [];
    const outcomes = batchOutcomes(plan, applied);
    const toStore = outcomesToStore(batch, plan, outcomes);
    slot.applied(new Map(toStore.map((row) => [row.id, row.outcome])));
    await repository.storeOutcomes(manager, venue, this.shard, toStore);
    if (overlapped) await slot.afterPredecessorCommitted();
    for (const work of deferred) await work();
    if (overlapped) await this.fence(manager, streamOffset);
    return outcomes;
  }

  private async fence(manager: EntityManager, streamOffset: string): Promise<void> {
    if (!(await this.deps.repository.fence(manager, this.definition.venue, this.shard, this.token, streamOffset))) throw new FencedOut();
  }

  /** The state may hold effects of batches that rolled back: rebuild it from what is committed. */
  private async recover(error: Error): Promise<void> {
    this.logger.warn(`reloading the shard's state after: ${error.message}`);
    try {
      this.state = await this.deps.dataSource.transaction((manager) => this.definition.shard.load(manager, this.shard));
      this.stale = false;
      this.latestOffset = this.committedOffset;
    } catch (loadError) {
      this.lose(`could not reload the state: ${(loadError as Error).message}`);
    }
  }

  private async answer(batch: PendingCommand[], outcomes: CommandOutcome[]): Promise<void> {
    const remote = new Map<string, CommandReply[]>();
    batch.forEach((pending, index) => {
      if (pending.answer) pending.answer(outcomes[index]);
      else if (pending.replyTo) remote.set(pending.replyTo, [...(remote.get(pending.replyTo) ?? []), { id: pending.command.id, outcome: outcomes[index] }]);
    });
    if (remote.size === 0) return;
    const publishing = this.deps.redis.pipeline();
    for (const [channel, replies] of remote) publishing.publish(channel, encodeReplies(replies));
    // A lost reply times out at the submitter, whose retry with the same id gets the stored outcome.
    await publishing.exec().catch((error: Error) => this.logger.warn(`could not publish replies: ${error.message}`));
  }

  private async readStream(from: string): Promise<void> {
    let cursor = from;
    const { engineBatchSize } = this.deps.config;
    while (!this.ended) {
      // Backpressure: read ahead at most a few batches; the rest waits in the stream.
      if (this.queue.length >= 4 * engineBatchSize) {
        await new Promise((resolve) => setTimeout(resolve, 1));
        continue;
      }
      let read: [string, [string, string[]][]][] | null;
      try {
        read = (await this.reader.xread('COUNT', engineBatchSize, 'BLOCK', READ_BLOCK_MS, 'STREAMS', this.streamKey, cursor)) as typeof read;
      } catch (error) {
        if (this.ended) return;
        this.logger.warn(`reading the command stream failed: ${(error as Error).message}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
        continue;
      }
      for (const [streamId, fields] of read?.[0]?.[1] ?? []) {
        cursor = streamId;
        const entry = decodeStreamEntry(fields);
        if (!entry) this.logger.warn(`skipping unreadable stream entry ${streamId}`);
        else if (!this.queue.push({ command: entry.command, recorded: true, streamId, replyTo: entry.replyTo })) return;
      }
    }
  }

  private trimNowAndThen(): void {
    if (Date.now() - this.lastTrimAt < TRIM_EVERY_MS || this.committedOffset === '0-0') return;
    // Nothing read from the stream since the last trim (local submits only): the XTRIM would remove nothing.
    if (this.committedOffset === this.trimmedOffset) return;
    this.lastTrimAt = Date.now();
    this.trimmedOffset = this.committedOffset;
    // MINID keeps the committed offset itself: XREAD from it returns only what follows.
    this.deps.redis.xtrim(this.streamKey, 'MINID', this.committedOffset).catch((error: Error) => this.logger.warn(`could not trim the command stream: ${error.message}`));
  }

  private observe(result: 'committed' | 'fenced' | 'failed', started: number, size: number): void {
    const venue = this.definition.venue;
    this.deps.metrics.batchSize.observe({ venue }, size);
    this.deps.metrics.commitSeconds.observe({ venue, result }, (performance.now() - started) / 1000);
  }
}
