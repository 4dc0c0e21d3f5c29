import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

export type IdempotencyKeyState = 'in_flight' | 'completed';

/** The first response to a request carrying `Idempotency-Key`, per caller (`scope`). */
@Entity('idempotency_keys')
export class IdempotencyKeyEntity {
  /** The caller's user id (or `anonymous`). */
  @PrimaryColumn({ type: 'varchar', length: 64 })
  scope!: string;

  @PrimaryColumn({ type: 'varchar', length: 255 })
  key!: string;

  /** sha256 of method, path and body: the same key with another request is refused. */
  @Column({ type: 'char', length: 64 })
  requestHash!: string;

  /** `in_flight` only inside the command's uncommitted transaction (committed rows are `completed`, but for rows of older versions). */
  @Column({ type: 'varchar', length: 16 })
  state!: IdempotencyKeyState;

  @Column({ type: 'integer', nullable: true })
  responseStatus!: number | null;

  @Column({ type: 'json', nullable: true })
  responseBody!: unknown;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @Index('IDX_idempotency_keys_expires')
  @Column({ type: 'timestamptz' })
  expiresAt!: Date;
}
