import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Each market has its own price tick, stored as ticks per unit of price (100: 0.01, the tick every market had
 * until now, so existing rows keep it). The supported ticks are those in src/markets/market-tick.ts.
 */
export class MarketTickSize1796416862061 implements MigrationInterface {
  name = 'MarketTickSize1796416862061';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "markets" ADD "ticks_per_unit" integer NOT NULL DEFAULT 100`);
    await queryRunner.query(`ALTER TABLE "markets" ADD CONSTRAINT "CHK_markets_ticks_per_unit" CHECK ("ticks_per_unit" IN (100, 200, 1000, 10000))`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "markets" DROP CONSTRAINT "CHK_markets_ticks_per_unit"`);
    await queryRunner.query(`ALTER TABLE "markets" DROP COLUMN "ticks_per_unit"`);
  }
}
