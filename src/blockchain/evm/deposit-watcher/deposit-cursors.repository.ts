import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Checkpoint, withCheckpoint } from './cursor-checkpoints';

export interface CursorKey {
  chainId: number;
  genesisHash: string;
  vaultAddress: string;
}

export interface Cursor {
  /** The last block whose logs are recorded (start − 1 before any). */
  blockNumber: bigint;
  /** Its hash when it was read; null when nothing was read yet (or after a walk back past every checkpoint). */
  blockHash: string | null;
  checkpoints: Checkpoint[];
}

interface CursorRow {
  block_number: string;
  block_hash: string | null;
  checkpoints: [string, string][];
}

const toCursor = (row: CursorRow): Cursor => ({
  blockNumber: BigInt(row.block_number),
  blockHash: row.block_hash,
  checkpoints: row.checkpoints.map(([blockNumber, blockHash]) => ({ blockNumber: BigInt(blockNumber), blockHash })),
});

const KEY = `chain_id = $1 AND genesis_hash = $2 AND vault_address = $3`;
const keyValues = (key: CursorKey) => [key.chainId, key.genesisHash, key.vaultAddress];
const checkpointsJson = (checkpoints: Checkpoint[]) => JSON.stringify(checkpoints.map((c) => [c.blockNumber.toString(), c.blockHash]));

/**
 * The watcher's SQL on `evm_deposit_cursors`. Every write is fenced: it moves the cursor only while the row holds
 * the writer's fencing token, so a paused ex-leader cannot move it after a successor claimed it.
 */
@Injectable()
export class DepositCursorsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * A new leader writes its token (creating the cursor before `startBlock` on a chain history seen for the first
   * time); null when the row holds this token or a larger one (the Redis fence counter fell behind).
   */
  async claim(key: CursorKey, token: number, startBlock: bigint): Promise<{ cursor: Cursor } | { heldToken: number }> {
    const rows = (await this.dataSource.query(
      `INSERT INTO evm_deposit_cursors (chain_id, genesis_hash, vault_address, block_number, leader_token) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (chain_id, genesis_hash, vault_address) DO UPDATE SET leader_token = EXCLUDED.leader_token, updated_at = now()
        WHERE evm_deposit_cursors.leader_token < EXCLUDED.leader_token
       RETURNING block_number, block_hash, checkpoints`,
      [...keyValues(key), (startBlock - 1n).toString(), token],
    )) as CursorRow[];
    if (rows.length === 1) return { cursor: toCursor(rows[0]) };
    const [held] = (await this.dataSource.query(`SELECT leader_token FROM evm_deposit_cursors WHERE ${KEY}`, keyValues(key))) as { leader_token: string }[];
    return { heldToken: Number(held?.leader_token ?? 0) };
  }

  async load(key: CursorKey): Promise<Cursor | undefined> {
    const [row] = (await this.dataSource.query(`SELECT block_number, block_hash, checkpoints FROM evm_deposit_cursors WHERE ${KEY}`, keyValues(key))) as CursorRow[];
    return row ? toCursor(row) : undefined;
  }

  /** The range up to `to` is recorded (in the caller's transaction, with its deposits); false when the fence refused. */
  async advance(manager: EntityManager, key: CursorKey, token: number, cursor: Cursor, to: Checkpoint): Promise<boolean> {
    return this.write(manager, key, token, to.blockNumber, to.blockHash, withCheckpoint(cursor.checkpoints, to));
  }

  /** Back to `to` (a checkpoint still on the chain, or before the first block with a null hash) after a reorg. */
  async rewind(key: CursorKey, token: number, cursor: Cursor, to: { blockNumber: bigint; blockHash: string | null }): Promise<boolean> {
    const kept = cursor.checkpoints.filter((checkpoint) => checkpoint.blockNumber <= to.blockNumber);
    return this.write(this.dataSource.manager, key, token, to.blockNumber, to.blockHash, kept);
  }

  private async write(manager: EntityManager, key: CursorKey, token: number, blockNumber: bigint, blockHash: string | null, checkpoints: Checkpoint[]): Promise<boolean> {
    const rows = (await manager.query(
      `WITH moved AS (
         UPDATE evm_deposit_cursors SET block_number = $4, block_hash = $5, checkpoints = $6::jsonb, updated_at = now()
          WHERE ${KEY} AND leader_token = $7
         RETURNING 1
       ) SELECT count(*)::int AS moved FROM moved`,
      [...keyValues(key), blockNumber.toString(), blockHash, checkpointsJson(checkpoints), token],
    )) as { moved: number }[];
    return rows[0].moved === 1;
  }
}
