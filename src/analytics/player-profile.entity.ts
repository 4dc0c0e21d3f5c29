import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** What a player shows of themselves in statistics and leaderboards: nothing until they make it public. */
@Entity('player_profiles')
export class PlayerProfileEntity {
  @PrimaryColumn({ type: 'uuid' })
  userId!: string;

  @Column({ type: 'varchar', length: 32, nullable: true })
  displayName!: string | null;

  @Column({ type: 'boolean', default: false })
  public!: boolean;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
