import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The EVM deposit watcher's cursor (owned by blockchain): per chain history (chain id and genesis block hash) and
 * vault, the last block whose `Deposited` logs are recorded, that block's hash (a reorg at or under the cursor
 * shows as a different hash there), recent earlier positions to walk back to, and the fencing token of the
 * watcher allowed to move it.
 */
export class CreateEvmDepositCursors1795713400001 implements MigrationInterface {
  name = 'CreateEvmDepositCursors1795713400001';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "evm_deposit_cursors" (
        "chain_id" bigint NOT NULL,
        "genesis_hash" character varying(66) NOT NULL,
        "vault_address" character varying(42) NOT NULL,
        "block_number" bigint NOT NULL,
        "block_hash" character varying(66),
        "checkpoints" jsonb NOT NULL DEFAULT '[]',
        "leader_token" bigint NOT NULL DEFAULT 0,
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_evm_deposit_cursors" PRIMARY KEY ("chain_id", "genesis_hash", "vault_address"),
        CONSTRAINT "CHK_evm_deposit_cursors_block" CHECK ("block_number" >= -1)
      )
    `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "evm_deposit_cursors"`);
  }
}
