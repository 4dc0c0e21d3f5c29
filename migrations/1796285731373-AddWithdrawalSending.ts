import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Withdrawals are sent on chain: COMPLETED once the vault's payment is confirmed (SENT stays "broadcast, waiting
 * for confirmations"), `approved_at` says the sender may take it (set at request up to WITHDRAWAL_REVIEW_THRESHOLD,
 * else by an admin, `approved_by`), `tx_hash` is the payment's transaction.
 */
export class AddWithdrawalSending1796285731373 implements MigrationInterface {
  name = 'AddWithdrawalSending1796285731373';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "withdrawals" ADD "approved_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`ALTER TABLE "withdrawals" ADD "approved_by" uuid`);
    await queryRunner.query(`ALTER TABLE "withdrawals" ADD "tx_hash" character varying(66)`);
    await queryRunner.query(`ALTER TABLE "withdrawals" DROP CONSTRAINT "CHK_withdrawals_status"`);
    await queryRunner.query(
      `ALTER TABLE "withdrawals" ADD CONSTRAINT "CHK_withdrawals_status" CHECK ("status" IN ('PENDING', 'CANCELLED', 'REJECTED', 'SENDING', 'SENT', 'COMPLETED', 'FAILED'))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_withdrawals_in_flight" ON "withdrawals" ("chain", "created_at") WHERE "status" IN ('PENDING', 'SENDING', 'SENT')`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "IDX_withdrawals_in_flight"`);
    await queryRunner.query(`ALTER TABLE "withdrawals" DROP CONSTRAINT "CHK_withdrawals_status"`);
    await queryRunner.query(`UPDATE "withdrawals" SET "status" = 'SENT' WHERE "status" = 'COMPLETED'`);
    await queryRunner.query(
      `ALTER TABLE "withdrawals" ADD CONSTRAINT "CHK_withdrawals_status" CHECK ("status" IN ('PENDING', 'CANCELLED', 'REJECTED', 'SENDING', 'SENT', 'FAILED'))`,
    );
    await queryRunner.query(`ALTER TABLE "withdrawals" DROP COLUMN "tx_hash"`);
    await queryRunner.query(`ALTER TABLE "withdrawals" DROP COLUMN "approved_by"`);
    await queryRunner.query(`ALTER TABLE "withdrawals" DROP COLUMN "approved_at"`);
  }
}
