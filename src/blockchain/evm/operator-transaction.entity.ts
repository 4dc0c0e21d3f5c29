import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { MinorUnitsColumn } from '../../database/minor-units.column';

/**
 * SIGNED (stored, maybe not yet accepted by a node) → BROADCAST (a node accepted it) → CONFIRMED or REVERTED
 * (mined, EVM_CONFIRMATIONS deep; receipt status 1 or 0), or REPLACED (another transaction took its nonce:
 * a deliberate cancellation, or a sibling won). Only the last three are final.
 */
export const OPERATOR_TX_STATUSES = ['SIGNED', 'BROADCAST', 'CONFIRMED', 'REVERTED', 'REPLACED'] as const;
export type OperatorTxStatus = (typeof OPERATOR_TX_STATUSES)[number];
export const FINAL_OPERATOR_TX_STATUSES: readonly OperatorTxStatus[] = ['CONFIRMED', 'REVERTED', 'REPLACED'];

/** `call`: what a business id asked for; `cancel`: a 0-value self-transfer on the same nonce that voids it. */
export type OperatorTxPurpose = 'call' | 'cancel';

const smallInteger = { to: (value: number | null | undefined) => value, from: (value: string | null) => (value === null ? null : Number(value)) };

/** One transaction signed by the operator key, stored before it was broadcast. */
@Entity('operator_transactions')
export class OperatorTransactionEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  /** The business id that asked for it (`withdrawal:<id>`, `seed-chain:…`); a cancellation is `<key>#cancel`. */
  @Column({ type: 'varchar', length: 200 })
  key!: string;

  /** `<chainId>:<genesis hash>`. */
  @Column({ type: 'varchar', length: 80 })
  network!: string;

  @Column({ type: 'integer' })
  chainId!: number;

  @Column({ type: 'varchar', length: 16 })
  purpose!: OperatorTxPurpose;

  /** A cancellation: the call whose nonce it takes. */
  @Column({ type: 'uuid', nullable: true })
  replacesId!: string | null;

  @Column({ type: 'varchar', length: 42 })
  fromAddress!: string;

  @Column({ type: 'varchar', length: 42 })
  toAddress!: string;

  @Column({ type: 'text' })
  data!: string;

  @MinorUnitsColumn()
  value!: bigint;

  @Column({ type: 'bigint', transformer: smallInteger })
  nonce!: number;

  @MinorUnitsColumn()
  gasLimit!: bigint;

  @MinorUnitsColumn()
  maxFeePerGas!: bigint;

  @MinorUnitsColumn()
  maxPriorityFeePerGas!: bigint;

  /** The signed transaction: what every (re)broadcast sends, byte for byte. */
  @Column({ type: 'text' })
  rawTx!: string;

  @Column({ type: 'varchar', length: 66 })
  txHash!: string;

  @Column({ type: 'varchar', length: 16, default: 'SIGNED' })
  status!: OperatorTxStatus;

  @Column({ type: 'bigint', nullable: true, transformer: smallInteger })
  blockNumber!: number | null;

  @Column({ type: 'varchar', length: 66, nullable: true })
  blockHash!: string | null;

  @MinorUnitsColumn({ nullable: true })
  gasUsed!: bigint | null;

  /** The node's answer to the last broadcast that failed. */
  @Column({ type: 'varchar', length: 500, nullable: true })
  lastError!: string | null;

  /** When a node first accepted it. */
  @Column({ type: 'timestamptz', nullable: true })
  broadcastAt!: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  finalAt!: Date | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
