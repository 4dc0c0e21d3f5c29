import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A deposit's return requests are counted: each one is paid by an operator transaction of its own
 * (`deposit-return:<id>:<attempt>`), so a return requested again after one failed is not answered by the failed one.
 */
export class DepositReturnAttempts1796303836299 implements MigrationInterface {
  name = 'DepositReturnAttempts1796303836299';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "deposits" ADD "return_attempts" integer NOT NULL DEFAULT 0`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "deposits" DROP COLUMN "return_attempts"`);
  }
}
