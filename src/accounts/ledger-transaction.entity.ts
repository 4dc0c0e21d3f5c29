import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** What caused a set of entries; append-only (a database trigger refuses updates and deletes). */
@Entity('ledger_transactions')
export class LedgerTransactionEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  /** e.g. `withdrawal.hold`, `promotion.starting-balance`, `admin.adjustment`. */
  @Column({ type: 'varchar', length: 64 })
  kind!: string;

  /** The business object behind it, e.g. `withdrawal:<id>`, `round:<id>`. */
  @Index('IDX_ledger_transactions_reference')
  @Column({ type: 'varchar', length: 255 })
  reference!: string;

  /** Posting the same key twice moves money once. */
  @Column({ type: 'varchar', length: 255, nullable: true, unique: true })
  idempotencyKey!: string | null;

  @Column({ type: 'varchar', length: 500, nullable: true })
  memo!: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;
}
