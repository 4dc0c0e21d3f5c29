import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** The next nonce of an operator address on a network; its row lock hands nonces out one at a time. */
@Entity('operator_nonces')
export class OperatorNonceEntity {
  @PrimaryColumn({ type: 'varchar', length: 80 })
  network!: string;

  @PrimaryColumn({ type: 'varchar', length: 42 })
  address!: string;

  @Column({ type: 'bigint' })
  nextNonce!: string;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
