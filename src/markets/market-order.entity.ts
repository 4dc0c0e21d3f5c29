import { Column, CreateDateColumn, Entity, PrimaryColumn, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { MinorUnitsColumn } from '../database/minor-units.column';
import type { BookSide, CancelReason, OrderStatus, SelfTradePrevention, TimeInForce } from './book';

/**
 * A limit order on one outcome of a market. While `open` it rests on the outcome's book; a buy's cash hold
 * (`lockedAmount`, in the owner's locked balance) is on the row, a sell's shares are held by the order itself
 * (a position's sellable shares are its shares minus its open sells).
 */
@Entity('market_orders')
export class MarketOrderEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  /** Time priority: the book is rebuilt from open orders in this order. */
  @Column({ type: 'bigint', insert: false, update: false })
  seq!: string;

  @Column({ type: 'uuid' })
  marketId!: string;

  @Column({ type: 'uuid' })
  userId!: string;

  @Column({ type: 'smallint' })
  outcome!: number;

  @Column({ type: 'varchar', length: 4 })
  side!: BookSide;

  @Column({ type: 'int' })
  priceTick!: number;

  @Column({ type: 'int' })
  ticksPerUnit!: number;

  @MinorUnitsColumn()
  shares!: bigint;

  @MinorUnitsColumn({ default: 0 })
  filledShares!: bigint;

  @Column({ type: 'varchar', length: 16 })
  status!: OrderStatus;

  @Column({ type: 'varchar', length: 16, nullable: true })
  cancelReason!: CancelReason | null;

  @Column({ type: 'varchar', length: 3 })
  timeInForce!: TimeInForce;

  @Column({ type: 'boolean', default: false })
  postOnly!: boolean;

  @Column({ type: 'varchar', length: 16, default: 'cancel_resting' })
  stp!: SelfTradePrevention;

  @Column({ type: 'timestamptz', nullable: true })
  expiresAt!: Date | null;

  /** Cash still held for a resting buy (0 once it left the book). */
  @MinorUnitsColumn({ default: 0 })
  lockedAmount!: bigint;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}

/** One side of a book trade, or one pool step of an order. */
@Entity('market_order_fills')
export class MarketOrderFillEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  /** Shared by the two sides of a book trade. */
  @Column({ type: 'uuid' })
  tradeId!: string;

  /** Null on the taker's side of a market order (the AMM's buy or sell routed through the book): it has no order row. */
  @Column({ type: 'uuid', nullable: true })
  orderId!: string | null;

  @Column({ type: 'uuid' })
  marketId!: string;

  @Column({ type: 'uuid' })
  userId!: string;

  @Column({ type: 'smallint' })
  outcome!: number;

  @Column({ type: 'varchar', length: 4 })
  side!: BookSide;

  @Column({ type: 'varchar', length: 5 })
  liquidity!: 'maker' | 'taker';

  @Column({ type: 'varchar', length: 4 })
  counterparty!: 'book' | 'pool';

  @Column({ type: 'numeric', precision: 20, scale: 6 })
  price!: string;

  @MinorUnitsColumn()
  shares!: bigint;

  @MinorUnitsColumn()
  amount!: bigint;

  @MinorUnitsColumn()
  fee!: bigint;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;
}

/** The sequence of the last level delta of one outcome's book (`book:update` and the book endpoint carry it). */
@Entity('market_order_books')
export class MarketOrderBookEntity {
  @PrimaryColumn({ type: 'uuid' })
  marketId!: string;

  @PrimaryColumn({ type: 'smallint' })
  outcome!: number;

  @Column({ type: 'bigint', default: 0 })
  sequence!: string;
}
