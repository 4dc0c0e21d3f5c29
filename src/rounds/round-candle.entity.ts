import { Column, Entity, PrimaryColumn } from 'typeorm';
import { minorUnitsColumn } from '../common/money/amount';

@Entity('round_candles')
export class RoundCandleEntity {
  @PrimaryColumn({ type: 'uuid' })
  roundId!: string;

  @PrimaryColumn({ type: 'integer' })
  tick!: number;

  /** Prices in 1e-8 units. */
  @Column({ type: 'numeric', precision: 78, scale: 0, transformer: minorUnitsColumn })
  open!: bigint;

  @Column({ type: 'numeric', precision: 78, scale: 0, transformer: minorUnitsColumn })
  high!: bigint;

  @Column({ type: 'numeric', precision: 78, scale: 0, transformer: minorUnitsColumn })
  low!: bigint;

  @Column({ type: 'numeric', precision: 78, scale: 0, transformer: minorUnitsColumn })
  close!: bigint;

  /** When the tick was due: startsAt + tick * tickMs. */
  @Column({ type: 'timestamptz' })
  at!: Date;
}
