import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { MinorUnitsColumn } from '../database/minor-units.column';

export const WITHDRAWAL_STATUSES = ['PENDING', 'CANCELLED', 'REJECTED', 'SENDING', 'SENT', 'FAILED'] as const;
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

  /** Why an admin rejected it, or why sending failed. */
  @Column({ type: 'varchar', length: 500, nullable: true })
  reason!: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
