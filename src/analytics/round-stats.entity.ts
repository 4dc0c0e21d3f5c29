import { Column, Entity, PrimaryColumn } from 'typeorm';
import { MinorUnitsColumn } from '../database/minor-units.column';

/**
 * One settled (or refunded) round's statistics, materialised once when its settlement commits (and by the
 * backfill job for any it missed): interval series, the survival curve and hourly timing read these rows,
 * never the rounds' positions.
 */
@Entity('analytics_round_stats')
export class RoundStatsEntity {
  @PrimaryColumn({ type: 'uuid' })
  roundId!: string;

  @Column({ type: 'integer' })
  number!: number;

  @Column({ type: 'varchar', length: 16 })
  status!: 'SETTLED' | 'VOIDED';

  @Column({ type: 'timestamptz' })
  startedAt!: Date;

  @Column({ type: 'timestamptz', nullable: true })
  endedAt!: Date | null;

  @Column({ type: 'timestamptz' })
  settledAt!: Date;

  @Column({ type: 'integer' })
  tickMs!: number;

  @Column({ type: 'integer' })
  endTick!: number;

  @Column({ type: 'integer', nullable: true })
  rugTick!: number | null;

  @Column({ type: 'double precision' })
  rugProbability!: number;

  @Column({ type: 'integer' })
  maxTicks!: number;

  /** 1e-8 units. */
  @MinorUnitsColumn()
  peakPrice!: bigint;

  @Column({ type: 'integer' })
  players!: number;

  @Column({ type: 'integer' })
  positions!: number;

  @MinorUnitsColumn()
  positionVolume!: bigint;

  @MinorUnitsColumn()
  positionPayouts!: bigint;

  @MinorUnitsColumn()
  fees!: bigint;

  @MinorUnitsColumn({ nullable: true })
  bestPositionPnl!: bigint | null;

  @MinorUnitsColumn({ nullable: true })
  worstPositionPnl!: bigint | null;

  @Column({ type: 'integer' })
  sideBets!: number;

  @Column({ type: 'integer' })
  sideBetsWon!: number;

  @MinorUnitsColumn()
  sideBetVolume!: bigint;

  @MinorUnitsColumn()
  sideBetPayouts!: bigint;

  /** Signed: what the pot moved to the house. */
  @MinorUnitsColumn()
  houseResult!: bigint;

  /** The engine's tick timing, when it recorded one. */
  @Column({ type: 'integer', nullable: true })
  timingTicks!: number | null;

  @Column({ type: 'double precision', nullable: true })
  timingMaxDeviationMs!: number | null;

  @Column({ type: 'integer', array: true, nullable: true })
  timingHistogram!: number[] | null;
}
