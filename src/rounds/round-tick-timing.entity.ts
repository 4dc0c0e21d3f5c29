import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One row per round that ended on a leader: its tick timing, summarised in memory while it ran (see tick-timing.ts). */
@Entity('round_tick_timings')
export class RoundTickTimingEntity {
  @PrimaryColumn({ type: 'uuid' })
  roundId!: string;

  @Column({ type: 'integer' })
  tickMs!: number;

  @Column({ type: 'integer' })
  ticks!: number;

  @Column({ type: 'integer' })
  catchUpPasses!: number;

  @Column({ type: 'integer' })
  intervals!: number;

  @Column({ type: 'double precision', nullable: true })
  meanIntervalMs!: number | null;

  @Column({ type: 'double precision', nullable: true })
  intervalStddevMs!: number | null;

  @Column({ type: 'double precision', nullable: true })
  minIntervalMs!: number | null;

  @Column({ type: 'double precision', nullable: true })
  maxIntervalMs!: number | null;

  @Column({ type: 'double precision' })
  maxDeviationMs!: number;

  @Column({ type: 'integer', array: true })
  deviationHistogram!: number[];

  @Column({ type: 'timestamptz' })
  recordedAt!: Date;
}
