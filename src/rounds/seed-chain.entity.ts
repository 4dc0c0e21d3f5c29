import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * A committed server-seed hash chain (cm-v1). `firstSeed` (s[0]) is the secret every future
 * round's seed follows from: whoever reads it can predict every unplayed round of the chain.
 */
@Entity('round_seed_chains')
export class SeedChainEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  /** s[0], 64 hex digits. Secret: production keeps database access tight and should encrypt it at rest. */
  @Column({ type: 'varchar', length: 64 })
  firstSeed!: string;

  @Column({ type: 'integer' })
  length!: number;

  /** s[L], published before any round uses the chain. */
  @Column({ type: 'varchar', length: 64 })
  terminalHash!: string;

  /** Rounds created from this chain so far (the next round is k = roundsUsed + 1). */
  @Column({ type: 'integer', default: 0 })
  roundsUsed!: number;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;
}
