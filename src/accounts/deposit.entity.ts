import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { MinorUnitsColumn } from '../database/minor-units.column';

/**
 * SEEN: read from the chain, not yet deep enough. CONFIRMED: its block is `confirmations` deep and still on the
 * chain, credit pending. CREDITED: on the user's balance. UNASSIGNED: confirmed, but no user has the sender's
 * address; held in `unassigned-deposits` for an admin. RETURN_REQUESTED / RETURNED: an admin sends it back.
 * DROPPED: its block was replaced before it was confirmed (or the dev chain was reset); never credited.
 */
export const DEPOSIT_STATUSES = ['SEEN', 'CONFIRMED', 'CREDITED', 'UNASSIGNED', 'RETURN_REQUESTED', 'RETURNED', 'DROPPED'] as const;
export type DepositStatus = (typeof DEPOSIT_STATUSES)[number];

/** What a user's deposit list shows: the rest is between the chain, the watcher and the admins. */
export const USER_VISIBLE_DEPOSIT_STATUSES: DepositStatus[] = ['SEEN', 'CONFIRMED', 'CREDITED'];

const bigintColumn = {
  to: (value: bigint | null | undefined) => (value === null || value === undefined ? value : value.toString()),
  from: (value: string | null) => (value === null ? null : BigInt(value)),
};

@Entity('deposits')
export class DepositEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  /** `dev`, `base`, `evm` or `aptos`. */
  @Column({ type: 'varchar', length: 16 })
  chain!: string;

  @Column({ type: 'varchar', length: 32 })
  chainId!: string;

  /** The EVM chain's genesis block hash (one history of the chain); '' on Aptos. */
  @Column({ type: 'varchar', length: 66, default: '' })
  chainEpoch!: string;

  @Column({ type: 'varchar', length: 80 })
  txHash!: string;

  @Column({ type: 'int' })
  logIndex!: number;

  @Column({ type: 'bigint', transformer: bigintColumn })
  blockNumber!: bigint;

  @Column({ type: 'varchar', length: 66, nullable: true })
  blockHash!: string | null;

  @Column({ type: 'varchar', length: 128 })
  fromAddress!: string;

  /** Null while no user has `fromAddress` (UNASSIGNED, or SEEN/CONFIRMED from an unknown sender). */
  @Column({ type: 'uuid', nullable: true })
  userId!: string | null;

  @Column({ type: 'varchar', length: 16 })
  asset!: string;

  @MinorUnitsColumn()
  amount!: bigint;

  @Column({ type: 'varchar', length: 16 })
  status!: DepositStatus;

  /** Why it was dropped, who assigned it, why a return failed. */
  @Column({ type: 'varchar', length: 500, nullable: true })
  note!: string | null;

  @Column({ type: 'varchar', length: 80, nullable: true })
  returnTxHash!: string | null;

  /** Returns requested so far: the current one is paid by operator transaction `deposit-return:<id>:<returnAttempts>`. */
  @Column({ type: 'int', default: 0 })
  returnAttempts!: number;

  @Column({ type: 'timestamptz', nullable: true })
  creditedAt!: Date | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
