import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { MinorUnitsColumn } from '../database/minor-units.column';
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
  @MinorUnitsColumn()
  amount!: bigint;

  @MinorUnitsColumn()
  fee!: bigint;

  @MinorUnitsColumn()
  stake!: bigint;

  @Column({ type: 'integer' })
  entryTick!: number;

  @MinorUnitsColumn()
  entryPrice!: bigint;

  @Column({ type: 'varchar', length: 8, default: 'open' })
  status!: RoundPositionStatus;

  @Column({ type: 'integer', nullable: true })
  exitTick!: number | null;

  @MinorUnitsColumn({ nullable: true })
  exitPrice!: bigint | null;

  /** Null while open; what the pot paid back (a refund when the round was voided). */
  @MinorUnitsColumn({ nullable: true })
  payout!: bigint | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @Column({ type: 'timestamptz', nullable: true })
  closedAt!: Date | null;
}
