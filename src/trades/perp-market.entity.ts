import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { MinorUnitsColumn } from '../database/minor-units.column';

/** One perp symbol of the catalogue and its trading rules (seeded at boot from PERP_SYMBOLS, then edited by admins). */
@Entity('perp_markets')
export class PerpMarketEntity {
  @PrimaryColumn({ type: 'varchar', length: 32 })
  symbol!: string;

  @Column({ type: 'int' })
  maxLeverage!: number;

  @Column({ type: 'int' })
  takerFeeBps!: number;

  @Column({ type: 'int' })
  maintenanceMarginBps!: number;

  /** USDC minor units. */
  @MinorUnitsColumn()
  minMargin!: bigint;

  @Column({ type: 'boolean', default: false })
  halted!: boolean;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
