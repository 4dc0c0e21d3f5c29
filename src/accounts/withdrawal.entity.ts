import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { MinorUnitsColumn } from '../database/minor-units.column';

/**
 * PENDING (held; waits for approval, or for the sender once approved) → SENDING (the sender took it: the user can no
 * longer cancel; the payment is being signed and stored) → SENT (broadcast, waiting for EVM_CONFIRMATIONS) →
 * COMPLETED (confirmed, hold settled) or FAILED (reverted, or cancelled on chain after WITHDRAWAL_DEADLINE_MS; hold
 * released). CANCELLED and REJECTED end a PENDING one.
 */
export const WITHDRAWAL_STATUSES = ['PENDING', 'CANCELLED', 'REJECTED', 'SENDING', 'SENT', 'COMPLETED', 'FAILED'] as const;
export type WithdrawalStatus = (typeof WITHDRAWAL_STATUSES)[number];

@Entity('withdrawals')
export class WithdrawalEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'uuid' })
  userId!: string;

  @Column({ type: 'varchar', length: 16 })
  asset!: string;

  @MinorUnitsColumn()
  amount!: bigint;

  @Column({ type: 'varchar', length: 16 })
  chain!: string;

  @Column({ type: 'varchar', length: 128 })
  toAddress!: string;

  @Column({ type: 'varchar', length: 16, default: 'PENDING' })
  status!: WithdrawalStatus;

  /** When it became sendable: at request when at most WITHDRAWAL_REVIEW_THRESHOLD, else when an admin approved it. */
  @Column({ type: 'timestamptz', nullable: true })
  approvedAt!: Date | null;

  /** The admin who approved it; null when it needed no review. */
  @Column({ type: 'uuid', nullable: true })
  approvedBy!: string | null;

  /** The payment's transaction, once broadcast. */
  @Column({ type: 'varchar', length: 66, nullable: true })
  txHash!: string | null;

  /** Why an admin rejected it, or why sending failed. */
  @Column({ type: 'varchar', length: 500, nullable: true })
  reason!: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
