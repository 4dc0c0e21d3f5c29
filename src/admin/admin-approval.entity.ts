import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * EXPIRED: a PENDING approval older than ADMIN_APPROVAL_TTL_MS reads EXPIRED (src/admin/approval-expiry.ts); it is
 * stored as EXPIRED only when a new request for the same target replaces it (freeing the one-pending-per-target index).
 */
export const APPROVAL_STATUSES = ['PENDING', 'APPROVED', 'REJECTED', 'EXPIRED'] as const;
export type ApprovalStatus = (typeof APPROVAL_STATUSES)[number];

/** A large money move one admin asked for and a second, different admin approves or rejects. */
@Entity('admin_approvals')
export class AdminApprovalEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  /** `account.adjustment`, `withdrawal.approve`, `market.create`. */
  @Column({ type: 'varchar', length: 64 })
  action!: string;

  @Column({ type: 'varchar', length: 128 })
  targetId!: string;

  @Column({ type: 'varchar', length: 16 })
  asset!: string;

  /** Decimal string in the asset's units, as shown to the approver. */
  @Column({ type: 'varchar', length: 100 })
  amount!: string;

  /** What the action needs to run once approved (the original request body). */
  @Column({ type: 'jsonb' })
  payload!: Record<string, unknown>;

  @Column({ type: 'varchar', length: 16, default: 'PENDING' })
  status!: ApprovalStatus;

  @Column({ type: 'uuid' })
  requestedBy!: string;

  @Column({ type: 'varchar', length: 128, nullable: true })
  requestId!: string | null;

  @Column({ type: 'uuid', nullable: true })
  decidedBy!: string | null;

  @Column({ type: 'timestamptz', nullable: true })
  decidedAt!: Date | null;

  @Column({ type: 'varchar', length: 500, nullable: true })
  reason!: string | null;

  /** The executed action's response, once approved. */
  @Column({ type: 'jsonb', nullable: true })
  result!: unknown;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;
}
