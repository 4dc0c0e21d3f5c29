import type { CommandOutcome, EngineCommand } from './venue';

/** A command as the leader queues it. */
export interface QueuedCommand {
  command: EngineCommand;
  /** Whether its id is deduplicated and its outcome stored: false for local events without an id of their own. */
  recorded: boolean;
}

/** For each command of a batch: answered from an earlier commit, a duplicate of one earlier in the batch, or new. */
export type PlannedCommand = { kind: 'stored'; outcome: CommandOutcome } | { kind: 'duplicate'; of: number } | { kind: 'new'; appliedIndex: number };

export interface BatchPlan {
  planned: PlannedCommand[];
  /** What the venue applies, in arrival order. */
  fresh: EngineCommand[];
}

/** Ids whose stored outcome must be looked up (each once). */
export function recordedIds(batch: readonly QueuedCommand[]): string[] {
  return [...new Set(batch.filter((queued) => queued.recorded).map((queued) => queued.command.id))];
}

/**
 * Decides what the venue applies: a recorded id committed before is answered with its stored outcome,
 * and a recorded id seen earlier in the same batch (a retry that arrived before the first committed) gets the first's outcome.
 */
export function planBatch(batch: readonly QueuedCommand[], stored: ReadonlyMap<string, CommandOutcome>): BatchPlan {
  const firstAt = new Map<string, number>();
  const fresh: EngineCommand[] = [];
  const planned = batch.map((queued, index): PlannedCommand => {
    const { id } = queued.command;
    if (queued.recorded) {
      const outcome = stored.get(id);
      if (outcome) return { kind: 'stored', outcome };
      const first = firstAt.get(id);
      if (first !== undefined) return { kind: 'duplicate', of: first };
      firstAt.set(id, index);
    }
    fresh.push(queued.command);
    return { kind: 'new', appliedIndex: fresh.length - 1 };
  });
  return { planned, fresh };
}

/** One outcome per command of the batch, from the plan and the venue's outcomes for `fresh`. */
export function batchOutcomes(plan: BatchPlan, applied: readonly CommandOutcome[]): CommandOutcome[] {
  if (applied.length !== plan.fresh.length) throw new Error(`the venue answered ${applied.length} outcomes for ${plan.fresh.length} commands`);
  const outcomes: CommandOutcome[] = [];
  plan.planned.forEach((step, index) => {
    if (step.kind === 'stored') outcomes[index] = step.outcome;
    else if (step.kind === 'duplicate') outcomes[index] = outcomes[step.of];
    else outcomes[index] = applied[step.appliedIndex];
  });
  return outcomes;
}

/**
 * The rows to store: each recorded command the venue applied, unless it was refused with a 5xx (like an
 * Idempotency-Key, a server-side failure is not remembered, so the retry runs again).
 */
export function outcomesToStore(batch: readonly QueuedCommand[], plan: BatchPlan, outcomes: readonly CommandOutcome[]): { id: string; outcome: CommandOutcome }[] {
  return plan.planned.flatMap((step, index) => {
    if (step.kind !== 'new' || !batch[index].recorded) return [];
    const outcome = outcomes[index];
    if (!outcome.ok && outcome.refusal.status >= 500) return [];
    return [{ id: batch[index].command.id, outcome }];
  });
}
