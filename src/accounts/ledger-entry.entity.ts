import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { minorUnitsColumn } from '../common/money/amount';

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

  @Column({ type: 'numeric', precision: 78, scale: 0, transformer: minorUnitsColumn })
  amount!: bigint;

  @Column({ type: 'numeric', precision: 78, scale: 0, transformer: minorUnitsColumn })
  balanceAfter!: bigint;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;
}
