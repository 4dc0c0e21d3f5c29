import { getTypeParser, setTypeParser, type TypeId } from 'pg-types';
import { Column, CreateDateColumn, Entity, PrimaryColumn, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { MinorUnitsColumn, MinorUnitsArrayColumn } from '../database/minor-units.column';

// node-postgres parses numeric[] (oid 1231) into JS floats, which loses money and share counts past 2^53.
// Parse it like text[] (oid 1009) instead: each element stays the exact decimal string PostgreSQL sent.
// (pg-types is the instance node-postgres itself uses: one copy, pinned by pg.) Entity files are loaded before the DataSource runs any query, in the app, the CLI and the benchmarks.
const NUMERIC_ARRAY_OID = 1231 as number as TypeId;
const TEXT_ARRAY_OID = 1009 as number as TypeId;
setTypeParser(NUMERIC_ARRAY_OID, getTypeParser(TEXT_ARRAY_OID) as (value: string) => string[]);

/** CANCELLING: cancelled, refunds still being paid by the `market-resolution` job; CANCELLED once all are. */
export const MARKET_STATUSES = ['OPEN', 'CLOSED', 'RESOLVED', 'CANCELLING', 'CANCELLED'] as const;
export type MarketStatus = (typeof MARKET_STATUSES)[number];

/** A prediction market with its LMSR state on the row: a trade locks this row and rewrites it. */
@Entity('markets')
export class MarketEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'varchar', length: 300 })
  question!: string;

  @Column({ type: 'varchar', length: 5000, default: '' })
  description!: string;

  @Column({ type: 'varchar', length: 64 })
  category!: string;

  @Column({ type: 'varchar', length: 16, default: 'OPEN' })
  status!: MarketStatus;

  @Column({ type: 'timestamptz' })
  closesAt!: Date;

  @Column({ type: 'smallint', nullable: true })
  resolvedOutcome!: number | null;

  /** LMSR `b`, minor units. */
  @MinorUnitsColumn()
  liquidity!: bigint;

  /** `q` per outcome: what the pool owes if that outcome wins. */
  @MinorUnitsArrayColumn()
  outstandingShares!: bigint[];

  @MinorUnitsArrayColumn()
  priorShares!: bigint[];

  @MinorUnitsColumn()
  subsidy!: bigint;

  @Column({ type: 'int' })
  feeBps!: number;

  @Column({ type: 'int' })
  creatorFeeShareBps!: number;

  /** Price ticks per unit: prices are tick / ticksPerUnit (100: a tick of 0.01). Set at creation; see market-tick.ts. */
  @Column({ type: 'int', default: 100 })
  ticksPerUnit!: number;

  /** The user with the `creator` role who made it; null for admin markets. */
  @Column({ type: 'uuid', nullable: true })
  creatorId!: string | null;

  /** Who funded the subsidy and gets the pool's remainder back; null means the house. */
  @Column({ type: 'uuid', nullable: true })
  funderUserId!: string | null;

  /** Cash traded: buys fee included, sells gross of fee. */
  @MinorUnitsColumn({ default: 0 })
  volume!: bigint;

  /** Fees this market paid to the platform's fees account (reversed on cancellation). */
  @MinorUnitsColumn({ default: 0 })
  platformFees!: bigint;

  /** The creator's fee share paid on this market (never on the creator's own trades). */
  @MinorUnitsColumn({ default: 0 })
  creatorFees!: bigint;

  /** Cancellation: the part of creatorFees clawed back from the creator; the house covered the rest. */
  @MinorUnitsColumn({ default: 0 })
  creatorFeesClawedBack!: bigint;

  @Column({ type: 'int', default: 0 })
  tradeCount!: number;

  @Column({ type: 'timestamptz', nullable: true })
  closedAt!: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  resolvedAt!: Date | null;

  /** Cancellation: the pool was topped up (fees reversed, house) so every refund can be paid. */
  @Column({ type: 'timestamptz', nullable: true })
  settlementFundedAt!: Date | null;

  /** Every position paid and the pool's remainder returned to the funder. */
  @Column({ type: 'timestamptz', nullable: true })
  settledAt!: Date | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}

@Entity('market_outcomes')
export class MarketOutcomeEntity {
  @PrimaryColumn({ type: 'uuid' })
  marketId!: string;

  @PrimaryColumn({ type: 'smallint' })
  index!: number;

  @Column({ type: 'varchar', length: 100 })
  label!: string;
}

/** One trader's holding in one market; `settledAt` is the per-position marker that makes settlement resumable. */
@Entity('market_positions')
export class MarketPositionEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'uuid' })
  marketId!: string;

  @Column({ type: 'uuid' })
  userId!: string;

  @MinorUnitsArrayColumn()
  shares!: bigint[];

  @MinorUnitsArrayColumn()
  costBasis!: bigint[];

  @MinorUnitsColumn({ default: 0 })
  paid!: bigint;

  @MinorUnitsColumn({ default: 0 })
  received!: bigint;

  @MinorUnitsColumn({ nullable: true })
  settlementAmount!: bigint | null;

  @Column({ type: 'timestamptz', nullable: true })
  settledAt!: Date | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}

@Entity('market_trades')
export class MarketTradeEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'uuid' })
  marketId!: string;

  @Column({ type: 'uuid' })
  userId!: string;

  @Column({ type: 'varchar', length: 4 })
  side!: 'buy' | 'sell';

  @Column({ type: 'smallint' })
  outcome!: number;

  @MinorUnitsColumn()
  shares!: bigint;

  @MinorUnitsColumn()
  amount!: bigint;

  @MinorUnitsColumn()
  fee!: bigint;

  @MinorUnitsColumn()
  creatorFee!: bigint;

  @Column({ type: 'numeric', precision: 20, scale: 6 })
  averagePrice!: string;

  @Column({ type: 'numeric', precision: 20, scale: 6, array: true })
  prices!: string[];

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;
}

@Entity('market_price_points')
export class MarketPricePointEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint' })
  id!: string;

  @Column({ type: 'uuid' })
  marketId!: string;

  @Column({ type: 'numeric', precision: 20, scale: 6, array: true })
  prices!: string[];

  @Column({ type: 'timestamptz', default: () => 'now()' })
  at!: Date;
}
