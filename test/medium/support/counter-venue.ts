import type { EntityManager } from 'typeorm';
import type { BatchContext, CommandOutcome, EngineCommand, VenueDefinition } from '../../../src/engine/venue';

/** A throwaway table of the test venue: one row per applied `add`, so "applied exactly once" is a row count. */
export const COUNTER_TABLE_DDL = `CREATE TABLE IF NOT EXISTS engine_test_counter_rows (
  shard varchar(128) NOT NULL, seq int NOT NULL, command_id varchar(255) NOT NULL, amount int NOT NULL,
  PRIMARY KEY (shard, seq))`;

export interface CounterState {
  seq: number;
  total: number;
}

export type CounterCommand =
  | { type: 'add'; payload: { amount: number } }
  | { type: 'read'; payload: Record<string, never> }
  | { type: 'boom'; payload: Record<string, never> }
  | { type: 'late-boom'; payload: { afterMs: number } }
  | { type: 'slow'; payload: { afterMs: number } };

/**
 * A venue for engine tests: `add` appends a row (seq, amount) and answers {seq, total}; a negative amount is
 * refused (422) and writes nothing; `read` writes nothing and answers {seq, total} (at once when the engine lets it, see
 * applyWithoutWrites); `boom` throws inside the batch, so the whole transaction rolls back; `late-boom` throws
 * `afterMs` later in the batch's `beforeCommit` (after its apply, so the next batch of a pipeline is applied on its
 * state meanwhile); `slow` only waits there. With `overlapping`, batches may be applied while the previous one commits (ENGINE_PIPELINE_DEPTH).
 */
export class CounterVenue implements VenueDefinition<CounterState> {
  readonly venue = 'counter';
  listed: string[] = [];
  /** Sizes of the batches this instance applied (only its own, as leader). */
  readonly batches: number[] = [];
  /** Commands answered by applyWithoutWrites, without a batch. */
  withoutWrites = 0;
  /** Answer of `overlaps`. */
  overlapping = false;
  /** Per batch applied, whether it was applied while the previous one had not committed yet. */
  readonly overlapped: boolean[] = [];

  shards(): string[] {
    return this.listed;
  }

  readonly shard = {
    load: async (manager: EntityManager, shard: string): Promise<CounterState> => {
      const [row] = (await manager.query(`SELECT coalesce(max(seq), 0) AS seq, coalesce(sum(amount), 0) AS total FROM engine_test_counter_rows WHERE shard = $1`, [
        shard,
      ])) as { seq: number; total: string }[];
      return { seq: Number(row.seq), total: Number(row.total) };
    },
    overlaps: (): boolean => this.overlapping,
    applyBatch: async (manager: EntityManager, state: CounterState, commands: EngineCommand[], shard: string, context?: BatchContext): Promise<CommandOutcome[]> => {
      this.batches.push(commands.length);
      this.overlapped.push(context?.overlapped ?? false);
      const rows: { seq: number; id: string; amount: number }[] = [];
      const outcomes = commands.map((command): CommandOutcome => {
        if (command.type === 'boom') throw new Error('boom');
        if (command.type === 'late-boom' || command.type === 'slow') {
          const { afterMs } = command.payload as { afterMs: number };
          const fails = command.type === 'late-boom';
          context?.beforeCommit(async () => {
            await new Promise((resolve) => setTimeout(resolve, afterMs));
            if (fails) throw new Error('late boom');
          });
          return { ok: true, result: { seq: state.seq, total: state.total } };
        }
        if (command.type === 'read') return { ok: true, result: { seq: state.seq, total: state.total } };
        const { amount } = command.payload as { amount: number };
        if (amount < 0) return { ok: false, refusal: { status: 422, error: 'NegativeAmount', message: 'amount must not be negative' } };
        state.seq += 1;
        state.total += amount;
        rows.push({ seq: state.seq, id: command.id, amount });
        return { ok: true, result: { seq: state.seq, total: state.total } };
      });
      if (rows.length > 0) {
        await manager.query(
          `INSERT INTO engine_test_counter_rows (shard, seq, command_id, amount) SELECT $1, r.seq, r.id, r.amount FROM unnest($2::int[], $3::varchar[], $4::int[]) AS r(seq, id, amount)`,
          [shard, rows.map((row) => row.seq), rows.map((row) => row.id), rows.map((row) => row.amount)],
        );
      }
      return outcomes;
    },
    applyWithoutWrites: (state: CounterState, command: EngineCommand): CommandOutcome | null => {
      if (command.type !== 'read') return null;
      this.withoutWrites += 1;
      return { ok: true, result: { seq: state.seq, total: state.total } };
    },
  };
}
