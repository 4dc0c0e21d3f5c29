import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { MinorUnitsColumn } from '../database/minor-units.column';

export const BUCKETS = ['available', 'locked'] as const;
export type Bucket = (typeof BUCKETS)[number];

/** One signed movement in one bucket of one account; the entries of a transaction sum to zero per asset. */
@Entity('ledger_entries')
@Index('IDX_ledger_entries_account', ['accountId', 'id'])
export class LedgerEntryEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'BY DEFAULT' })
  id!: string;

  @Index('IDX_ledger_entries_transaction')
  @Column({ type: 'uuid' })
  transactionId!: string;

  @Column({ type: 'uuid' })
  accountId!: string;

  @Column({ type: 'varchar', length: 16 })
  asset!: string;

  @Column({ type: 'varchar', length: 16 })
  bucket!: Bucket;

  @MinorUnitsColumn()
  amount!: bigint;

  @MinorUnitsColumn()
  balanceAfter!: bigint;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;
}
