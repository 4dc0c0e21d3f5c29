import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** The deposit watcher's position on one chain history and vault (SQL in deposit-cursors.repository.ts). */
@Entity('evm_deposit_cursors')
export class EvmDepositCursorEntity {
  @PrimaryColumn({ type: 'bigint' })
  chainId!: string;

  /** Block 0's hash: a dev chain restarted from block 0 has a new one, so it gets a new cursor. */
  @PrimaryColumn({ type: 'varchar', length: 66 })
  genesisHash!: string;

  @PrimaryColumn({ type: 'varchar', length: 42 })
  vaultAddress!: string;

  /** The last block whose Deposited logs are recorded (-1: none yet, from block 0). */
  @Column({ type: 'bigint' })
  blockNumber!: string;

  /** That block's hash when it was read; null before the first range. */
  @Column({ type: 'varchar', length: 66, nullable: true })
  blockHash!: string | null;

  /** Earlier positions `[blockNumber, blockHash]`, oldest first, to walk back to after a reorg. */
  @Column({ type: 'jsonb', default: () => "'[]'" })
  checkpoints!: [string, string][];

  /** Fencing token of the watcher allowed to move it. */
  @Column({ type: 'bigint', default: 0 })
  leaderToken!: string;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
