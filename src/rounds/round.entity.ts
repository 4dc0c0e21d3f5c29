import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { MinorUnitsColumn } from '../database/minor-units.column';
import type { RoundParams } from './fairness/round-params';
import type { SaltProof } from './salt-source';

export const ROUND_STATUSES = ['PENDING', 'ACTIVE', 'ENDED', 'SETTLED', 'VOIDED'] as const;
export type RoundStatus = (typeof ROUND_STATUSES)[number];

/** Statuses in which the engine still drives the round; at most one round is in them at a time. */
export const LIVE_ROUND_STATUSES: readonly RoundStatus[] = ['PENDING', 'ACTIVE'];

@Entity('rounds')
export class RoundEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  /** 1, 2, 3, ... over all chains. */
  @Column({ type: 'integer' })
  number!: number;

  @Column({ type: 'uuid' })
  chainId!: string;

  /** k: this round plays s[L-k] of its chain. */
  @Column({ type: 'integer' })
  chainIndex!: number;

  @Column({ type: 'varchar', length: 16 })
  status!: RoundStatus;

  /** The cm-v1 path parameters, published with the round. */
  @Column({ type: 'jsonb' })
  params!: RoundParams;

  /** s[L-k+1]: public from creation. */
  @Column({ type: 'varchar', length: 64 })
  serverSeedHash!: string;

  /** s[L-k]: null until the round ends (or is voided). */
  @Column({ type: 'varchar', length: 64, nullable: true })
  serverSeed!: string | null;

  /** Drawn when the round starts; null while PENDING. */
  @Column({ type: 'varchar', length: 256, nullable: true })
  salt!: string | null;

  @Column({ type: 'varchar', length: 32 })
  saltSource!: string;

  /**
   * The entropy the salt will be, fixed when the round is created and never changed: the target block number
   * (`evm-block`) or the Aptos draw's round id (`aptos`); null for `server`.
   */
  @Column({ type: 'varchar', length: 80, nullable: true })
  saltRef!: string | null;

  /** Where the drawn salt can be looked up (block number and hash, Aptos transaction), set at start. */
  @Column({ type: 'jsonb', nullable: true })
  saltProof!: SaltProof | null;

  /** The SeedCommitments transaction that recorded this round's revealed seed on chain, once sent. */
  @Column({ type: 'varchar', length: 80, nullable: true })
  seedRevealTxHash!: string | null;

  /** The last generated (persisted) tick; 0 before the first candle. */
  @Column({ type: 'integer', default: 0 })
  tick!: number;

  /** The latest close in 1e-8 units (the price positions enter and exit at). */
  @MinorUnitsColumn()
  price!: bigint;

  @Column({ type: 'integer', nullable: true })
  rugTick!: number | null;

  /**
   * The closes of ticks 1..tick as big-endian float8s (`round-closes.ts`), written by the settlement from the
   * persisted candles so that backtests need not regenerate the path; NULL before settlement and for rounds
   * settled before the column. Not selected unless asked for (`addSelect('round.closes')`).
   */
  @Column({ type: 'bytea', nullable: true, select: false })
  closes?: Buffer | null;

  @Column({ type: 'integer' })
  tickMs!: number;

  /** Trading rules frozen at creation: admin config only affects future rounds. */
  @Column({ type: 'integer' })
  feeBps!: number;

  @MinorUnitsColumn()
  minStake!: bigint;

  @MinorUnitsColumn()
  maxStake!: bigint;

  @Column({ type: 'integer' })
  sideBetWindow!: number;

  @Column({ type: 'varchar', length: 16 })
  sideBetMultiplier!: string;

  /** When the round goes (or went) ACTIVE: tick t is due at startsAt + t * tickMs. */
  @Column({ type: 'timestamptz' })
  startsAt!: Date;

  /** When the last tick was persisted (the start, before the first candle): the takeover gap is measured from it. */
  @Column({ type: 'timestamptz', nullable: true })
  lastTickAt!: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  endedAt!: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  settledAt!: Date | null;

  /** Fencing token of the engine leader allowed to write ticks. */
  @Column({ type: 'bigint', default: '0' })
  leaderToken!: string;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
