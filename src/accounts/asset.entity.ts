import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

@Entity('assets')
export class AssetEntity {
  @PrimaryColumn({ type: 'varchar', length: 16 })
  code!: string;

  @Column({ type: 'smallint' })
  decimals!: number;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;
}
