import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/**
 * One row (`id = 'rounds'`): what admins changed for future rounds (absent keys fall back to the
 * environment) and whether new rounds are paused.
 */
@Entity('round_settings')
export class RoundSettingsEntity {
  @PrimaryColumn({ type: 'varchar', length: 32 })
  id!: string;

  @Column({ type: 'jsonb', default: {} })
  overrides!: Record<string, unknown>;

  @Column({ type: 'boolean', default: false })
  paused!: boolean;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
