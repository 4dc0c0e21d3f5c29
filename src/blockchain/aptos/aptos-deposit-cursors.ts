import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

export type CursorClaim = { claimed: true; version: bigint } | { claimed: false; token: number };

/** The watcher's cursor rows (aptos_deposit_cursors), always written under the fencing token of its lease. */
@Injectable()
export class AptosDepositCursors {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Takes the cursor for `token` and answers where it stands (version 0 for a new stream). Refused when the row
   * holds this token or a newer one: the Redis fence counter fell behind (Redis lost its data), and the caller
   * raises it past the stored `token` and takes the lease again.
   */
  async claim(stream: string, token: number): Promise<CursorClaim> {
    const claimed = (await this.dataSource.query(
      `INSERT INTO aptos_deposit_cursors (stream, version, fence_token) VALUES ($1, 0, $2)
       ON CONFLICT (stream) DO UPDATE SET fence_token = EXCLUDED.fence_token, updated_at = now()
       WHERE aptos_deposit_cursors.fence_token < EXCLUDED.fence_token
       RETURNING version::text AS version`,
      [stream, token],
    )) as { version: string }[];
    if (claimed.length > 0) return { claimed: true, version: BigInt(claimed[0].version) };
    const [row] = (await this.dataSource.query(`SELECT fence_token::text AS token FROM aptos_deposit_cursors WHERE stream = $1`, [stream])) as { token: string }[];
    return { claimed: false, token: Number(row?.token ?? 0) };
  }

  /** Moves the cursor forward to `version` (never back); false when another watcher's token holds the row now. */
  async advance(stream: string, token: number, version: bigint): Promise<boolean> {
    // TypeORM answers an UPDATE with [rows, rowCount].
    const [, moved] = (await this.dataSource.query(
      `UPDATE aptos_deposit_cursors SET version = GREATEST(version, $3::numeric), updated_at = now()
       WHERE stream = $1 AND fence_token = $2`,
      [stream, token, version.toString()],
    )) as [unknown[], number];
    return moved > 0;
  }

  async version(stream: string): Promise<bigint | undefined> {
    const [row] = (await this.dataSource.query(`SELECT version::text AS version FROM aptos_deposit_cursors WHERE stream = $1`, [stream])) as { version: string }[];
    return row ? BigInt(row.version) : undefined;
  }
}
