import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

export type SeedCommitmentKind = 'chain' | 'round';

const smallInteger = { to: (value: number | null | undefined) => value, from: (value: string | null) => (value === null ? null : Number(value)) };

/**
 * A seed chain's terminal hash (`chain`) or a round's revealed seed (`round`) recorded, or being recorded, in the
 * SeedCommitments contract on `network`. A row with `txKey` and no `recordedAt` is in flight: it was written in the
 * same transaction that stored its operator transaction, so a batch is made once.
 */
@Entity('seed_commitments')
export class SeedCommitmentEntity {
  @PrimaryColumn({ type: 'varchar', length: 80 })
  network!: string;

  @PrimaryColumn({ type: 'varchar', length: 8 })
  subjectKind!: SeedCommitmentKind;

  /** The seed chain's id, or the round's. */
  @PrimaryColumn({ type: 'uuid' })
  subjectId!: string;

  @Column({ type: 'uuid' })
  seedChainId!: string;

  @Column({ type: 'integer', nullable: true })
  roundNumber!: number | null;

  /** The operator transaction recording it; null when it was found already on chain. */
  @Column({ type: 'varchar', length: 200, nullable: true })
  txKey!: string | null;

  @Column({ type: 'varchar', length: 66, nullable: true })
  txHash!: string | null;

  @Column({ type: 'bigint', nullable: true, transformer: smallInteger })
  blockNumber!: number | null;

  @Column({ type: 'varchar', length: 66, nullable: true })
  blockHash!: string | null;

  @Column({ type: 'timestamptz', nullable: true })
  recordedAt!: Date | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;
}
