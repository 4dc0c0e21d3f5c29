import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';
import type { CommandOutcome } from './venue';

/** The outcome of a committed command: a command id seen again on its shard is answered from here, not applied. */
@Entity('engine_commands')
export class EngineCommandEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  venue!: string;

  @PrimaryColumn({ type: 'varchar', length: 128 })
  shard!: string;

  @PrimaryColumn({ type: 'varchar', length: 255 })
  commandId!: string;

  @Column({ type: 'jsonb' })
  outcome!: CommandOutcome;

  @Index('IDX_engine_commands_committed_at')
  @CreateDateColumn({ type: 'timestamptz' })
  committedAt!: Date;
}
