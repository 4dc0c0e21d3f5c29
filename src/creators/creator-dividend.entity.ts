import { Column, Entity, PrimaryColumn } from 'typeorm';
import { MinorUnitsColumn } from '../database/minor-units.column';

/** One run of the dividend job per period: `closed_at` once every creator's cursor is past it. */
@Entity('creator_dividend_runs')
export class CreatorDividendRunEntity {
  @PrimaryColumn({ type: 'timestamptz' })
  period!: Date;

  @Column({ type: 'timestamptz' })
  closedAt!: Date;

  @Column({ type: 'timestamptz', nullable: true })
  finishedAt!: Date | null;
}

/** A creator's dividend of one period: the pool's amount and the holders of record, fixed when it is funded. */
@Entity('creator_dividends')
export class CreatorDividendEntity {
  @PrimaryColumn('uuid')
  creatorId!: string;

  @PrimaryColumn({ type: 'timestamptz' })
  period!: Date;

  @MinorUnitsColumn()
  amount!: bigint;

  @Column({ type: 'bigint' })
  totalShares!: string;

  @Column({ type: 'int' })
  holders!: number;

  @Column({ type: 'timestamptz' })
  fundedAt!: Date;

  /** Parts are paid in user id order: every part up to this user id is paid (moved in the batch's own transaction). */
  @Column({ type: 'uuid', nullable: true })
  paidThrough!: string | null;

  @Column({ type: 'int' })
  holdersPaid!: number;

  @Column({ type: 'timestamptz', nullable: true })
  paidAt!: Date | null;
}

/** One holder's part of a dividend, fixed when it is funded; paid once `paid_through` of its dividend reaches its user id. */
@Entity('creator_dividend_payments')
export class CreatorDividendPaymentEntity {
  @PrimaryColumn('uuid')
  creatorId!: string;

  @PrimaryColumn({ type: 'timestamptz' })
  period!: Date;

  @PrimaryColumn('uuid')
  userId!: string;

  @Column({ type: 'bigint' })
  shares!: string;

  @MinorUnitsColumn()
  amount!: bigint;
}
