import type { CommandOutcome } from './venue';

/** The batch before this one in the shard's pipeline failed or was fenced: this one, built on its state, must roll back too. */
export class PredecessorFailed extends Error {
  constructor() {
    super('an earlier batch of the shard did not commit');
    this.name = 'PredecessorFailed';
  }
}

/** A gate opened once, to true (done) or false (failed); never rejects, so nobody needs to be listening. */
class Gate {
  readonly opened: Promise<boolean>;
  private open!: (ok: boolean) => void;
  private settled = false;

  constructor() {
    this.opened = new Promise<boolean>((resolve) => (this.open = resolve));
  }

  settle(ok: boolean): void {
    if (this.settled) return;
    this.settled = true;
    this.open(ok);
  }
}

/**
 * One batch in a shard's pipeline, from the moment it is taken off the queue until it committed or rolled back.
 *
 * The rules a batch follows (ShardLeader.commit), which keep commit order = apply order:
 * - its venue apply starts only once its predecessor's apply finished (`afterPredecessorApplied`), so applies
 *   run one at a time, in order, each on the state the one before left, and a batch holds every row lock of its
 *   apply before the next batch takes any;
 * - it commits only once its predecessor committed (`afterPredecessorCommitted`); if the predecessor failed, it
 *   rolls back (PredecessorFailed), and so does every batch after it.
 */
export class PipelineSlot {
  private readonly appliedGate = new Gate();
  private readonly committedGate = new Gate();
  /** The outcomes this batch stores in engine_commands, known once its apply finished (uncommitted until `committed`). */
  private stored = new Map<string, CommandOutcome>();

  constructor(
    /** The batches still in flight when this one began, oldest first; dropped once this one is finished. */
    private earlier: PipelineSlot[],
  ) {}

  /** The batch just before this one, if it was still in flight when this one began. */
  get predecessor(): PipelineSlot | null {
    return this.earlier.at(-1) ?? null;
  }

  /** Waits for the predecessor's apply; throws PredecessorFailed if it failed before or during it. */
  async afterPredecessorApplied(): Promise<void> {
    const predecessor = this.predecessor;
    if (predecessor && !(await predecessor.appliedGate.opened)) throw new PredecessorFailed();
  }

  /** Waits for the predecessor's COMMIT; throws PredecessorFailed if it rolled back. */
  async afterPredecessorCommitted(): Promise<void> {
    const predecessor = this.predecessor;
    if (predecessor && !(await predecessor.committedGate.opened)) throw new PredecessorFailed();
  }

  /**
   * The outcomes that batches still in flight when this one began store (committed or about to be): this
   * batch's lookup in engine_commands cannot see them yet. Call after `afterPredecessorApplied`.
   */
  outcomesInFlight(): Map<string, CommandOutcome> {
    const outcomes = new Map<string, CommandOutcome>();
    for (const slot of this.earlier) for (const [id, outcome] of slot.stored) outcomes.set(id, outcome);
    return outcomes;
  }

  /** The apply finished: the next batch may apply on the state this one left. */
  applied(stored: ReadonlyMap<string, CommandOutcome>): void {
    this.stored = new Map(stored);
    this.appliedGate.settle(true);
  }

  /** COMMIT returned: the next batch may commit. */
  committed(): void {
    this.appliedGate.settle(true);
    this.committedGate.settle(true);
    this.earlier = [];
  }

  /** Rolled back (or never got to COMMIT): every later batch rolls back too. */
  failed(): void {
    this.appliedGate.settle(false);
    this.committedGate.settle(false);
    this.earlier = [];
  }
}

/**
 * The batches of one shard in flight: at most `depth` (ENGINE_PIPELINE_DEPTH; 1 = one batch at a time, each
 * begun after the previous finished). Only the batch loop calls `begin` and `finish`.
 */
export class BatchPipeline {
  private readonly slots: PipelineSlot[] = [];
  private freed: (() => void)[] = [];

  constructor(readonly depth: number) {
    if (!Number.isInteger(depth) || depth < 1) throw new Error(`pipeline depth must be a positive integer, got ${depth}`);
  }

  get inFlight(): number {
    return this.slots.length;
  }

  /** A new batch after every one in flight. */
  begin(): PipelineSlot {
    if (this.slots.length >= this.depth) throw new Error('the pipeline is full');
    const slot = new PipelineSlot([...this.slots]);
    this.slots.push(slot);
    return slot;
  }

  /** The batch is done with (committed, or rolled back and answered). */
  finish(slot: PipelineSlot): void {
    const index = this.slots.indexOf(slot);
    if (index >= 0) this.slots.splice(index, 1);
    const freed = this.freed;
    this.freed = [];
    for (const wake of freed) wake();
  }

  /** The batch is the newest in flight: no batch began after it. */
  isLast(slot: PipelineSlot): boolean {
    return this.slots.at(-1) === slot;
  }

  /** Resolves once fewer than `limit` batches are in flight. */
  async whenBelow(limit: number): Promise<void> {
    while (this.slots.length >= limit) await new Promise<void>((resolve) => this.freed.push(resolve));
  }
}
