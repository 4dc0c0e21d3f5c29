import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { MinorUnitsColumn } from '../database/minor-units.column';

export const SIDE_BET_STATUSES = ['active', 'won', 'lost', 'refunded'] as const;
export type RoundSideBetStatus = (typeof SIDE_BET_STATUSES)[number];

@Entity('round_side_bets')
export class RoundSideBetEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'uuid' })
  roundId!: string;

  @Column({ type: 'uuid' })
  userId!: string;

  @MinorUnitsColumn()
  amount!: bigint;

  @Column({ type: 'integer' })
  startTick!: number;

  @Column({ type: 'integer' })
  endTick!: number;

  @Column({ type: 'varchar', length: 16 })
  payoutMultiplier!: string;

  @Column({ type: 'varchar', length: 8, default: 'active' })
  status!: RoundSideBetStatus;

  /** Null until resolved; 0 when lost. */
  @MinorUnitsColumn({ nullable: true })
  payout!: bigint | null;

  /** Set when the payout (or refund) reached the player. */
  @Column({ type: 'timestamptz', nullable: true })
  paidAt!: Date | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @Column({ type: 'timestamptz', nullable: true })
  resolvedAt!: Date | null;
}
