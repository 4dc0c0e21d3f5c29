import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { UserEntity } from './user.entity';

export const SIGN_IN_METHODS = ['siwe', 'aptos', 'email'] as const;
export type SignInMethod = (typeof SIGN_IN_METHODS)[number];

/**
 * One sign-in: the family of refresh tokens rotated from it. Access tokens carry its id (`sid`),
 * so revoking the session stops them too.
 */
@Entity('auth_sessions')
@Check('CHK_auth_sessions_method', `"method" IN ('siwe', 'aptos', 'email')`)
@Index('IDX_auth_sessions_user_active', ['userId'], { where: '"revoked_at" IS NULL' })
export class AuthSessionEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'uuid' })
  userId!: string;

  @ManyToOne(() => UserEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: UserEntity;

  @Column({ type: 'varchar', length: 16 })
  method!: SignInMethod;

  @Column({ type: 'varchar', length: 512, nullable: true })
  userAgent!: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  ip!: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @Column({ type: 'timestamptz' })
  lastUsedAt!: Date;

  /** When the newest refresh token of the family expires. */
  @Column({ type: 'timestamptz' })
  expiresAt!: Date;

  @Column({ type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;

  /** `logout`, `ended` (by the user from the session list) or `refresh-token-reuse`. */
  @Column({ type: 'varchar', length: 32, nullable: true })
  revokedReason!: string | null;
}
