import type { EntityManager } from 'typeorm';
import { pgArray } from '../database/pg-array';
import { preparedQuery } from '../database/prepared-query';
import type { CommandOutcome } from './venue';

export type ShardClaim = { claimed: true; streamOffset: string } | { claimed: false; heldToken: number };

/** The engine's SQL on its own tables (engine_shards, engine_commands); every method runs in the caller's transaction. */
export class EngineShardsRepository {
  /** Writes a new leader's token unless the row already holds a larger one; the row stays locked until the caller commits. */
  async claim(manager: EntityManager, venue: string, shard: string, token: number, leader: string): Promise<ShardClaim> {
    const rows = (await manager.query(
      `INSERT INTO engine_shards (venue, shard, fencing_token, leader) VALUES ($1, $2, $3, $4)
       ON CONFLICT (venue, shard) DO UPDATE SET fencing_token = EXCLUDED.fencing_token, leader = EXCLUDED.leader, updated_at = now()
        WHERE engine_shards.fencing_token < EXCLUDED.fencing_token
       RETURNING stream_offset`,
      [venue, shard, token, leader],
    )) as { stream_offset: string }[];
    if (rows.length === 1) return { claimed: true, streamOffset: rows[0].stream_offset };
    const [held] = (await manager.query(`SELECT fencing_token FROM engine_shards WHERE venue = $1 AND shard = $2`, [venue, shard])) as { fencing_token: string }[];
    return { claimed: false, heldToken: Number(held?.fencing_token ?? 0) };
  }

  /**
   * The batch's fence and its offset in one statement: it locks the shard's row only while it holds `token`,
   * so a takeover waits for this transaction and, once it has written its token, every later batch of ours matches no row.
   */
  async fence(manager: EntityManager, venue: string, shard: string, token: number, streamOffset: string): Promise<boolean> {
    const { rowCount } = await preparedQuery(
      manager,
      'engine_fence',
      `UPDATE engine_shards SET stream_offset = $4, updated_at = now() WHERE venue = $1 AND shard = $2 AND fencing_token = $3`,
      [venue, shard, token, streamOffset],
    );
    return rowCount === 1;
  }

  /**
   * A batch's head in ONE round trip (issue 14: with load spread over many shards a batch holds one or two commands,
   * and each statement's round trip, parse and plan cost about what the command's own work does): the fence (as
   * `fence`), the stored outcomes of `ids` (as `storedOutcomes`) and, when the venue names one, the venue's own
   * row lock (`lockSql`, a `SELECT … FOR UPDATE` on `$2`, the shard). The fence is evaluated first (the outer side
   * of the joins), so the locks are taken in the order of separate statements: shard row, then the venue's row.
   * The lookup reads the statement's snapshot, taken before any lock wait; only a takeover (which fences us out)
   * or our own batches (committed before this one begins) write the shard's engine_commands, so it misses nothing.
   * A row the lock had to wait for is read as its newest version (READ COMMITTED re-reads a locked row).
   */
  async head(
    manager: EntityManager,
    venue: string,
    shard: string,
    token: number,
    streamOffset: string,
    ids: string[],
    lockSql?: string,
  ): Promise<{ fenced: boolean; stored: Map<string, CommandOutcome>; locked: Record<string, unknown> | null }> {
    const lookup =
      ids.length === 0
        ? `SELECT NULL::json AS engine_stored`
        : `SELECT json_agg(json_build_array(c.command_id, c.outcome)) AS engine_stored FROM unnest($5::varchar[]) AS ids(id)
             CROSS JOIN LATERAL (SELECT command_id, outcome FROM engine_commands WHERE venue = $1 AND shard = $2 AND command_id = ids.id LIMIT 1) AS c`;
    // Named prepared: one name per venue and shape (the venue's lockSql never changes).
    const name = `engine_head_${venue}_${ids.length === 0 ? 'nolookup' : 'lookup'}_${lockSql ? 'lock' : 'nolock'}`;
    const {
      rows: [row],
    } = await preparedQuery<{ engine_fenced: number; engine_stored: [string, CommandOutcome | string][] | null } & Record<string, unknown>>(
      manager,
      name,
      `WITH fence AS (UPDATE engine_shards SET stream_offset = $4, updated_at = now() WHERE venue = $1 AND shard = $2 AND fencing_token = $3 RETURNING 1)
       SELECT ${lockSql ? 'l.*, ' : ''}f.engine_fenced, s.engine_stored FROM (SELECT count(*)::int AS engine_fenced FROM fence) AS f
         CROSS JOIN (${lookup}) AS s${lockSql ? `
         LEFT JOIN LATERAL (${lockSql}) AS l ON true` : ''}`,
      ids.length === 0 ? [venue, shard, token, streamOffset] : [venue, shard, token, streamOffset, pgArray(ids)],
    );
    const { engine_fenced: fenced, engine_stored: pairs, ...locked } = row;
    const stored = new Map((pairs ?? []).map(([id, outcome]) => [id, typeof outcome === 'string' ? (JSON.parse(outcome) as CommandOutcome) : outcome]));
    // LEFT JOIN: no venue row gives its columns as nulls.
    const found = lockSql !== undefined && Object.values(locked).some((value) => value !== null);
    return { fenced: fenced === 1, stored, locked: found ? locked : null };
  }

  /**
   * One primary-key probe per id (LATERAL … LIMIT 1 keeps it a nested loop): with `command_id = ANY(…)` a planner
   * without fresh statistics on a fast-growing table scans the whole shard's rows instead (30 ms a batch, measured).
   * An outcome is stored as a jsonb string holding its JSON text (see storeOutcomes); rows stored before that hold it
   * as a jsonb object, read as such.
   */
  async storedOutcomes(manager: EntityManager, venue: string, shard: string, ids: string[]): Promise<Map<string, CommandOutcome>> {
    if (ids.length === 0) return new Map();
    const { rows } = await preparedQuery<{ command_id: string; outcome: CommandOutcome | string }>(
      manager,
      'engine_stored_outcomes',
      `SELECT c.command_id, c.outcome FROM unnest($3::varchar[]) AS ids(id)
         CROSS JOIN LATERAL (SELECT command_id, outcome FROM engine_commands WHERE venue = $1 AND shard = $2 AND command_id = ids.id LIMIT 1) AS c`,
      [venue, shard, pgArray(ids)],
    );
    return new Map(rows.map((row) => [row.command_id, typeof row.outcome === 'string' ? (JSON.parse(row.outcome) as CommandOutcome) : row.outcome]));
  }

  /**
   * One multi-row statement for the whole batch. Each outcome goes in as its JSON text in a `text[]` and is stored
   * as a jsonb string (`to_jsonb(text)`), not parsed into a jsonb object: PostgreSQL parsing a perps open's ≈ 600-byte
   * outcome into an object cost ≈ 12 µs per command (measured), a tenth of the open's PostgreSQL CPU, for a value
   * only ever read back whole. The column stays jsonb; `storedOutcomes` reads both forms.
   */
  async storeOutcomes(manager: EntityManager, venue: string, shard: string, rows: { id: string; outcome: CommandOutcome }[]): Promise<void> {
    if (rows.length === 0) return;
    await preparedQuery(
      manager,
      'engine_store_outcomes',
      `INSERT INTO engine_commands (venue, shard, command_id, outcome)
       SELECT $1, $2, c.id, to_jsonb(c.outcome) FROM unnest($3::varchar[], $4::text[]) AS c(id, outcome)`,
      [venue, shard, pgArray(rows.map((row) => row.id)), pgArray(rows.map((row) => JSON.stringify(row.outcome)))],
    );
  }
}
