import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The AMM's buy and sell route through the order books (issue 14): a market order that fills resting orders has
 * no order row of its own, so its taker fills in `market_order_fills` name none (the makers' fills still do).
 */
export class MarketOrderFillsWithoutOrder1796593591090 implements MigrationInterface {
  name = 'MarketOrderFillsWithoutOrder1796593591090';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "market_order_fills" ALTER COLUMN "order_id" DROP NOT NULL`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DELETE FROM "market_order_fills" WHERE "order_id" IS NULL`);
    await queryRunner.query(`ALTER TABLE "market_order_fills" ALTER COLUMN "order_id" SET NOT NULL`);
  }
}
