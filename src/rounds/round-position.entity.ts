import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { minorUnitsColumn } from '../common/money/amount';
import type { PositionSide } from './fairness/payouts';

export const ROUND_POSITION_STATUSES = ['open', 'closed'] as const;
export type RoundPositionStatus = (typeof ROUND_POSITION_STATUSES)[number];

@Entity('round_positions')
export class RoundPositionEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'uuid' })
  roundId!: string;

  @Column({ type: 'uuid' })
  userId!: string;

  @Column({ type: 'varchar', length: 8 })
  side!: PositionSide;

  /** What the player paid: fee + stake (USDC minor units). */
  @Column({ type: 'numeric', precision: 78, scale: 0, transformer: minorUnitsColumn })
  amount!: bigint;

  @Column({ type: 'numeric', precision: 78, scale: 0, transformer: minorUnitsColumn })
  fee!: bigint;

  @Column({ type: 'numeric', precision: 78, scale: 0, transformer: minorUnitsColumn })
  stake!: bigint;

  @Column({ type: 'integer' })
  entryTick!: number;

  @Column({ type: 'numeric', precision: 78, scale: 0, transformer: minorUnitsColumn })
  entryPrice!: bigint;

  @Column({ type: 'varchar', length: 8, default: 'open' })
  status!: RoundPositionStatus;

  @Column({ type: 'integer', nullable: true })
  exitTick!: number | null;

  @Column({ type: 'numeric', precision: 78, scale: 0, nullable: true, transformer: minorUnitsColumn })
  exitPrice!: bigint | null;

  /** Null while open; what the pot paid back (a refund when the round was voided). */
  @Column({ type: 'numeric', precision: 78, scale: 0, nullable: true, transformer: minorUnitsColumn })
  payout!: bigint | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @Column({ type: 'timestamptz', nullable: true })
  closedAt!: Date | null;
}
