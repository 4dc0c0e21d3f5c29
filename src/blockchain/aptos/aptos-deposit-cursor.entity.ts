import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/**
 * How far the Aptos deposit watcher has handed the vault's deposits over: every deposit committed at or below
 * `version` was given to DepositsService. One row per chain and package; `fenceToken` is the watcher lease's
 * fencing token of the instance allowed to move it, so a paused ex-leader cannot move it back.
 */
@Entity('aptos_deposit_cursors')
export class AptosDepositCursorEntity {
  /** `<chain id>:<package address>`: another network or a package published elsewhere starts from the beginning. */
  @PrimaryColumn({ type: 'varchar', length: 100 })
  stream!: string;

  @Column({ type: 'numeric', precision: 20, scale: 0 })
  version!: string;

  @Column({ type: 'bigint' })
  fenceToken!: string;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
