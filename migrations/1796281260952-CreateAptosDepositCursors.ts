import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The Aptos deposit watcher's cursor (src/blockchain/aptos): per chain and package, the ledger version up to which
 * the vault's deposits were handed to DepositsService, and the fencing token of the watcher allowed to move it.
 */
export class CreateAptosDepositCursors1796281260952 implements MigrationInterface {
  name = 'CreateAptosDepositCursors1796281260952';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "aptos_deposit_cursors" (
        "stream" character varying(100) NOT NULL,
        "version" numeric(20,0) NOT NULL,
        "fence_token" bigint NOT NULL,
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_aptos_deposit_cursors" PRIMARY KEY ("stream")
      )
    `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "aptos_deposit_cursors"`);
  }
}
