import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { MinorUnitsColumn } from '../database/minor-units.column';
import type { PendingOrderType, PerpSide } from './core/perp-math';
import { PriceColumn } from './price.column';

export const PERP_ORDER_STATUSES = ['open', 'filled', 'cancelled', 'expired'] as const;
export type PerpOrderStatus = (typeof PERP_ORDER_STATUSES)[number];

/** A pending limit or stop order: opens a position on the tick that crosses its price. Its margin and open fee are held meanwhile. */
@Entity('perp_orders')
@Index('IDX_perp_orders_user_status', ['userId', 'status', 'createdAt'])
@Index('IDX_perp_orders_symbol_status', ['symbol', 'status'])
export class PerpOrderEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ type: 'uuid' })
  userId!: string;

  @Column({ type: 'varchar', length: 32 })
  symbol!: string;

  @Column({ type: 'varchar', length: 8 })
  side!: PerpSide;

  @Column({ type: 'varchar', length: 8 })
  type!: PendingOrderType;

  @PriceColumn()
  price!: bigint;

  @MinorUnitsColumn()
  margin!: bigint;

  @Column({ type: 'integer' })
  leverage!: number;

  @PriceColumn({ nullable: true })
  stopLoss!: bigint | null;

  @PriceColumn({ nullable: true })
  takeProfit!: bigint | null;

  /** The open fee held with the margin (taken by `fees` on fill, released on cancel or expiry). */
  @MinorUnitsColumn()
  heldFee!: bigint;

  /** The taker fee and maintenance margin in force at placement: the position it opens keeps them (its close fee, its liquidation price). */
  @Column({ type: 'integer' })
  takerFeeBps!: number;

  @Column({ type: 'integer' })
  maintenanceMarginBps!: number;

  @Column({ type: 'varchar', length: 12 })
  status!: PerpOrderStatus;

  @Column({ type: 'uuid', nullable: true })
  positionId!: string | null;

  @Column({ type: 'timestamptz', nullable: true })
  expiresAt!: Date | null;

  @Column({ type: 'timestamptz' })
  createdAt!: Date;

  /** When it was filled, cancelled or expired. */
  @Column({ type: 'timestamptz', nullable: true })
  endedAt!: Date | null;
}
