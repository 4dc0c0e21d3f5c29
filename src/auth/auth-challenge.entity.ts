import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { UserEntity } from './user.entity';

export const CHALLENGE_KINDS = ['siwe', 'aptos', 'email'] as const;
export type ChallengeKind = (typeof CHALLENGE_KINDS)[number];

/**
 * A one-time secret the server handed out: a SIWE or Aptos nonce, or an email magic-link token.
 * Only its SHA-256 is stored. Consumed at most once, and only by a sign-in that otherwise succeeded.
 */
@Entity('auth_challenges')
@Check('CHK_auth_challenges_kind', `"kind" IN ('siwe', 'aptos', 'email')`)
@Index('IDX_auth_challenges_expires_at', ['expiresAt'])
export class AuthChallengeEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'varchar', length: 16 })
  kind!: ChallengeKind;

  /** Hex SHA-256 of the nonce or token. */
  @Index('UQ_auth_challenges_secret_hash', { unique: true })
  @Column({ type: 'varchar', length: 64 })
  secretHash!: string;

  /** Who it was issued for: the Aptos address or the email; null for SIWE nonces. */
  @Column({ type: 'varchar', length: 254, nullable: true })
  subject!: string | null;

  /** The exact text the wallet must sign (Aptos). */
  @Column({ type: 'text', nullable: true })
  message!: string | null;

  /** Set when a signed-in user asked to link this method to their account. */
  @Column({ type: 'uuid', nullable: true })
  userId!: string | null;

  @ManyToOne(() => UserEntity, { onDelete: 'CASCADE', nullable: true })
  @JoinColumn({ name: 'user_id' })
  user?: UserEntity;

  @Column({ type: 'timestamptz' })
  expiresAt!: Date;

  @Column({ type: 'timestamptz', nullable: true })
  consumedAt!: Date | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;
}
