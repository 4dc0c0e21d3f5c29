import { Column, Entity, PrimaryColumn } from 'typeorm';
import { MinorUnitsColumn } from '../database/minor-units.column';

@Entity('round_candles')
export class RoundCandleEntity {
  @PrimaryColumn({ type: 'uuid' })
  roundId!: string;

  @PrimaryColumn({ type: 'integer' })
  tick!: number;

  /** Prices in 1e-8 units. */
  @MinorUnitsColumn()
  open!: bigint;

  @MinorUnitsColumn()
  high!: bigint;

  @MinorUnitsColumn()
  low!: bigint;

  @MinorUnitsColumn()
  close!: bigint;

  /** When the tick was due: startsAt + tick * tickMs. */
  @Column({ type: 'timestamptz' })
  at!: Date;
}
