import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One candle of a perp's mid prices; prices and volume are exact `numeric`, read back as decimal strings. */
@Entity('perp_candles')
export class PerpCandleEntity {
  @PrimaryColumn({ type: 'varchar', length: 32 })
  symbol!: string;

  @PrimaryColumn({ type: 'varchar', length: 4 })
  interval!: string;

  @PrimaryColumn({ type: 'timestamptz' })
  openTime!: Date;

  @Column({ type: 'numeric' })
  open!: string;

  @Column({ type: 'numeric' })
  high!: string;

  @Column({ type: 'numeric' })
  low!: string;

  @Column({ type: 'numeric' })
  close!: string;

  /** USDC notional traded on this venue in the candle (PerpCandles.recordVolume). */
  @Column({ type: 'numeric', default: 0 })
  volume!: string;

  @Column({ type: 'timestamptz' })
  updatedAt!: Date;
}
