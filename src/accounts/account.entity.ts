import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, Unique, UpdateDateColumn } from 'typeorm';
import { MinorUnitsColumn } from '../database/minor-units.column';

/**
 * One balance holder: a user's account per asset, or a system account (`house`, `fees`, `market-pool:<id>`, ...).
 * `available` and `locked` are caches of the sums of this account's ledger entries; only LedgerService writes them.
 */
@Entity('accounts')
@Unique('UQ_accounts_user_asset', ['userId', 'asset'])
@Unique('UQ_accounts_system_asset_shard', ['systemKey', 'asset', 'shard'])
export class AccountEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'varchar', length: 16 })
  asset!: string;

  @Column({ type: 'uuid', nullable: true })
  userId!: string | null;

  @Column({ type: 'varchar', length: 128, nullable: true })
  systemKey!: string | null;

  /** System accounts on the trading path are spread over several rows; user accounts are shard 0. */
  @Column({ type: 'smallint', default: 0 })
  shard!: number;

  @MinorUnitsColumn({ default: 0 })
  available!: bigint;

  @MinorUnitsColumn({ default: 0 })
  locked!: bigint;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
