import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * On cancellation the creator's fee share earned on the market is clawed back from the creator (as far as
 * their available balance allows; the house covers the rest). What was recovered is kept on the market, so
 * the house's share is `creator_fees - creator_fees_clawed_back`.
 */
export class AddMarketCreatorFeeClawback1795618808665 implements MigrationInterface {
  name = 'AddMarketCreatorFeeClawback1795618808665';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "markets" ADD "creator_fees_clawed_back" numeric(78,0) NOT NULL DEFAULT 0`);
    await queryRunner.query(
      `ALTER TABLE "markets" ADD CONSTRAINT "CHK_markets_creator_fees_clawed_back" CHECK ("creator_fees_clawed_back" >= 0 AND "creator_fees_clawed_back" <= "creator_fees")`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "markets" DROP CONSTRAINT "CHK_markets_creator_fees_clawed_back"`);
    await queryRunner.query(`ALTER TABLE "markets" DROP COLUMN "creator_fees_clawed_back"`);
  }
}
