import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { MinorUnitsColumn } from '../database/minor-units.column';
import type { CloseReason, PerpSide } from './core/perp-math';
import { PriceColumn } from './price.column';

export const PERP_POSITION_STATUSES = ['open', 'closed'] as const;
export type PerpPositionStatus = (typeof PERP_POSITION_STATUSES)[number];

/**
 * A leveraged position against the house. Amounts are USDC minor units, prices price units (10^-8).
 * Written only by the perps venue (src/trades/venue) on its shard's leader.
 */
@Entity('perp_positions')
@Index('IDX_perp_positions_user_status', ['userId', 'status', 'openedAt'])
@Index('IDX_perp_positions_symbol_status', ['symbol', 'status'])
export class PerpPositionEntity {
  /** Chosen by the venue before the insert (ledger keys and events name it). */
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ type: 'uuid' })
  userId!: string;

  @Column({ type: 'varchar', length: 32 })
  symbol!: string;

  @Column({ type: 'varchar', length: 8 })
  side!: PerpSide;

  @Column({ type: 'varchar', length: 8 })
  status!: PerpPositionStatus;

  /** Locked collateral. */
  @MinorUnitsColumn()
  margin!: bigint;

  @Column({ type: 'integer' })
  leverage!: number;

  /** margin × leverage. */
  @MinorUnitsColumn()
  notional!: bigint;

  @PriceColumn()
  entryPrice!: bigint;

  /** Fixed at open, so the liquidation price never moves under an open position. */
  @Column({ type: 'integer' })
  maintenanceMarginBps!: number;

  @PriceColumn()
  liquidationPrice!: bigint;

  /** The taker fee in force at open: the close fee is charged at it, whatever an admin set since. */
  @Column({ type: 'integer' })
  takerFeeBps!: number;

  @PriceColumn({ nullable: true })
  stopLoss!: bigint | null;

  @PriceColumn({ nullable: true })
  takeProfit!: bigint | null;

  @MinorUnitsColumn()
  openFee!: bigint;

  @MinorUnitsColumn({ nullable: true })
  closeFee!: bigint | null;

  @PriceColumn({ nullable: true })
  exitPrice!: bigint | null;

  /** Signed: the floored P&L at the exit price. */
  @MinorUnitsColumn({ nullable: true })
  realizedPnl!: bigint | null;

  /** What went back to the user's available balance: max(0, margin + pnl − closeFee); 0 on liquidation. */
  @MinorUnitsColumn({ nullable: true })
  payout!: bigint | null;

  @Column({ type: 'varchar', length: 16, nullable: true })
  closeReason!: CloseReason | null;

  /** On liquidation: how far the tick's price was past the liquidation price (a gap through it). */
  @PriceColumn({ nullable: true })
  liquidationGap!: bigint | null;

  /** The pending order this position was opened by, if any. */
  @Column({ type: 'uuid', nullable: true })
  orderId!: string | null;

  @Column({ type: 'timestamptz' })
  openedAt!: Date;

  @Column({ type: 'timestamptz', nullable: true })
  closedAt!: Date | null;
}
