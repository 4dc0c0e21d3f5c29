import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { MinorUnitsColumn } from '../database/minor-units.column';
import type { CloseReason } from './core/perp-math';
import { PriceColumn } from './price.column';

export const PERP_FILL_KINDS = ['open', 'close', 'trigger'] as const;
export type PerpFillKind = (typeof PERP_FILL_KINDS)[number];

/** One execution of a position: its open (market or pending order), a user close, or a trigger (SL, TP, liquidation). */
@Entity('perp_fills')
@Index('IDX_perp_fills_position', ['positionId', 'createdAt'])
export class PerpFillEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ type: 'uuid' })
  positionId!: string;

  @Column({ type: 'varchar', length: 8 })
  kind!: PerpFillKind;

  /** Close and trigger fills: why the position closed. */
  @Column({ type: 'varchar', length: 16, nullable: true })
  reason!: CloseReason | null;

  @PriceColumn()
  price!: bigint;

  /** What the fill was measured against: the quoted price, the order's price, the stop / take-profit / liquidation price. */
  @PriceColumn({ nullable: true })
  referencePrice!: bigint | null;

  /** |price − referencePrice| (0 without a reference). */
  @PriceColumn()
  slippage!: bigint;

  @MinorUnitsColumn()
  fee!: bigint;

  @Column({ type: 'timestamptz' })
  createdAt!: Date;
}
