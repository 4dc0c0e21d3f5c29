import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** `support` is read-only staff: it may look at what admins see (Bull Board, audit trail, reconciliation) but change nothing. */
export const USER_ROLES = ['user', 'creator', 'admin', 'support'] as const;
export type UserRole = (typeof USER_ROLES)[number];
export type UserStatus = 'active' | 'banned';

@Entity('users')
export class UserEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'varchar', length: 24, unique: true })
  username!: string;

  /** EIP-55 checksummed EVM address. */
  @Column({ type: 'varchar', length: 42, unique: true, nullable: true })
  walletAddress!: string | null;

  /** 0x-prefixed, 64 hex digits, lowercase. */
  @Column({ type: 'varchar', length: 66, unique: true, nullable: true })
  aptosAddress!: string | null;

  /** Lowercased. */
  @Column({ type: 'varchar', length: 254, unique: true, nullable: true })
  email!: string | null;

  @Column({ type: 'text', array: true, default: () => "'{user}'" })
  roles!: UserRole[];

  @Column({ type: 'varchar', length: 16, default: 'active' })
  status!: UserStatus;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @Column({ type: 'timestamptz', nullable: true })
  lastLoginAt!: Date | null;
}
