import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Dividend parts are paid in user id order behind a cursor: a part is paid once its user id is at or below
 * `creator_dividends.paid_through` (one row update per batch instead of a `paid_at` per holder).
 */
export class CreatorDividendsPaidThrough1796500000001 implements MigrationInterface {
  name = 'CreatorDividendsPaidThrough1796500000001';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "creator_dividends" ADD "paid_through" uuid`);
    await queryRunner.query(`ALTER TABLE "creator_dividends" ADD "holders_paid" integer NOT NULL DEFAULT 0`);
    await queryRunner.query(`DROP INDEX IF EXISTS "IDX_creator_dividend_payments_unpaid"`);
    await queryRunner.query(`ALTER TABLE "creator_dividend_payments" DROP COLUMN "paid_at"`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "creator_dividend_payments" ADD "paid_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`CREATE INDEX "IDX_creator_dividend_payments_unpaid" ON "creator_dividend_payments" ("creator_id", "period", "user_id") WHERE "paid_at" IS NULL`);
    await queryRunner.query(`ALTER TABLE "creator_dividends" DROP COLUMN "holders_paid"`);
    await queryRunner.query(`ALTER TABLE "creator_dividends" DROP COLUMN "paid_through"`);
  }
}
