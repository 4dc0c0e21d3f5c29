import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** One venue shard: its leader's fencing token (the fence of every batch) and the command stream offset committed so far. */
@Entity('engine_shards')
export class EngineShardEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  venue!: string;

  @PrimaryColumn({ type: 'varchar', length: 128 })
  shard!: string;

  /** bigint as a string: the lease's INCR counter, which only grows. */
  @Column({ type: 'bigint' })
  fencingToken!: string;

  /** Redis stream entry id of the last command a committed batch consumed (`0-0`: none yet). */
  @Column({ type: 'varchar', length: 64, default: '0-0' })
  streamOffset!: string;

  /** The instance that took the shard last (for operators). */
  @Column({ type: 'varchar', length: 128, nullable: true })
  leader!: string | null;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
