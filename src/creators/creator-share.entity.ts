import { Column, Entity, PrimaryColumn } from 'typeorm';
import { MinorUnitsColumn } from '../database/minor-units.column';

/** A user's shares of one creator (rows are kept at 0 so the holders of record of a past period can be rebuilt). */
@Entity('creator_share_holdings')
export class CreatorShareHoldingEntity {
  @PrimaryColumn('uuid')
  creatorId!: string;

  @PrimaryColumn('uuid')
  userId!: string;

  @Column({ type: 'bigint' })
  shares!: string;

  @Column({ type: 'timestamptz' })
  updatedAt!: Date;
}

/** The shares of one buy: sellable from `lockedUntil`, the oldest unlocked first. The creator's own share 1 is no lot. */
@Entity('creator_share_lots')
export class CreatorShareLotEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid')
  creatorId!: string;

  @Column('uuid')
  userId!: string;

  @Column('uuid')
  tradeId!: string;

  @Column({ type: 'bigint' })
  shares!: string;

  @Column({ type: 'bigint' })
  remaining!: string;

  @Column({ type: 'timestamptz' })
  lockedUntil!: Date;

  @Column({ type: 'timestamptz' })
  createdAt!: Date;
}

/** Every change of a holding: the grant of share 1, buys and sells, with the dividend period it counts in. */
@Entity('creator_share_trades')
export class CreatorShareTradeEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid')
  creatorId!: string;

  @Column('uuid')
  userId!: string;

  @Column({ type: 'varchar', length: 8 })
  side!: 'grant' | 'buy' | 'sell';

  @Column({ type: 'bigint' })
  shares!: string;

  @Column({ type: 'bigint' })
  supplyAfter!: string;

  @MinorUnitsColumn()
  value!: bigint;

  @MinorUnitsColumn()
  creatorFee!: bigint;

  @MinorUnitsColumn()
  platformFee!: bigint;

  @MinorUnitsColumn()
  dividendFee!: bigint;

  @MinorUnitsColumn()
  total!: bigint;

  @Column({ type: 'timestamptz' })
  period!: Date;

  @Column({ type: 'timestamptz' })
  createdAt!: Date;
}
