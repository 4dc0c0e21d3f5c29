import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { AuthSessionEntity } from './auth-session.entity';

/** One opaque refresh token of a session, by hash. A rotated token presented again is a theft signal. */
@Entity('refresh_tokens')
@Index('IDX_refresh_tokens_session_id', ['sessionId'])
export class RefreshTokenEntity {
  /** Hex SHA-256 of the token. */
  @PrimaryColumn({ type: 'varchar', length: 64 })
  tokenHash!: string;

  @Column({ type: 'uuid' })
  sessionId!: string;

  @ManyToOne(() => AuthSessionEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'session_id' })
  session?: AuthSessionEntity;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @Column({ type: 'timestamptz' })
  expiresAt!: Date;

  @Column({ type: 'timestamptz', nullable: true })
  rotatedAt!: Date | null;
}
