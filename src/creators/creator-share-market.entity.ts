import { Column, Entity, PrimaryColumn } from 'typeorm';
import { MinorUnitsColumn } from '../database/minor-units.column';

export const CREATOR_STATUSES = ['ACTIVE', 'REVOKED'] as const;
export type CreatorStatus = (typeof CREATOR_STATUSES)[number];

/** One creator's share market (opened when the `creator` role is granted). Written with SQL by the creators services. */
@Entity('creator_share_markets')
export class CreatorShareMarketEntity {
  @PrimaryColumn('uuid')
  creatorId!: string;

  @Column({ type: 'varchar', length: 16 })
  status!: CreatorStatus;

  /** Whole shares outstanding; never below 1 (the creator's own first share). */
  @Column({ type: 'bigint' })
  supply!: string;

  @Column({ type: 'int' })
  holderCount!: number;

  /** Curve value traded, both sides, USDC minor units. */
  @MinorUnitsColumn()
  volume!: bigint;

  @Column({ type: 'int' })
  tradeCount!: number;

  @MinorUnitsColumn()
  dividendsPaid!: bigint;

  @Column({ type: 'timestamptz' })
  grantedAt!: Date;

  @Column({ type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;

  @Column({ type: 'timestamptz' })
  updatedAt!: Date;
}

/**
 * The latest dividend period the job closed for a creator. Every fee into the creator's pools and every share trade
 * reads it under a share lock and counts in a later period; the job's close takes the row lock, so it waits for
 * those in flight and no closed period's pool or holders of record change afterwards.
 */
@Entity('creator_dividend_cursors')
export class CreatorDividendCursorEntity {
  @PrimaryColumn('uuid')
  creatorId!: string;

  @Column({ type: 'timestamptz', nullable: true })
  closedThrough!: Date | null;
}
