import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The taker fee a position closes at is the one in force when it opened (an admin may change the symbol's fee
 * since), so positions store it; pending orders store it and the maintenance margin of their placement, for the
 * position they open (its liquidation price is then what the order was checked against).
 *
 * Existing rows: a position's open fee (an order's held fee) was charged as ceil(notional × bps / 10000) with a
 * notional of at least 1 USDC, so floor(fee × 10000 / notional) recovers that bps exactly; it is kept only if it
 * reproduces the fee, else the symbol's catalogue rate, else 5 (the TAKER_FEE_BPS default). An order's maintenance
 * margin cannot be recovered: the catalogue's, else 50 (the MAINTENANCE_MARGIN_BPS default).
 */
export class AddPerpTermsAtOpen1795701000000 implements MigrationInterface {
  name = 'AddPerpTermsAtOpen1795701000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "perp_positions" ADD "taker_fee_bps" integer`);
    await queryRunner.query(`
      UPDATE "perp_positions" AS p
         SET "taker_fee_bps" = COALESCE(
               (SELECT d.bps FROM (SELECT floor(p."open_fee" * 10000 / p."notional")::int AS bps) AS d
                 WHERE d.bps BETWEEN 0 AND 1000 AND ceil(p."notional" * d.bps / 10000.0) = p."open_fee"),
               (SELECT m."taker_fee_bps" FROM "perp_markets" AS m WHERE m."symbol" = p."symbol"),
               5)`);
    await queryRunner.query(`ALTER TABLE "perp_positions" ALTER "taker_fee_bps" SET NOT NULL`);
    await queryRunner.query(`ALTER TABLE "perp_positions" ADD CONSTRAINT "CHK_perp_positions_taker_fee_bps" CHECK ("taker_fee_bps" BETWEEN 0 AND 1000)`);

    await queryRunner.query(`ALTER TABLE "perp_orders" ADD "taker_fee_bps" integer, ADD "maintenance_margin_bps" integer`);
    await queryRunner.query(`
      UPDATE "perp_orders" AS o
         SET "taker_fee_bps" = COALESCE(
               (SELECT d.bps FROM (SELECT floor(o."held_fee" * 10000 / (o."margin" * o."leverage"))::int AS bps) AS d
                 WHERE d.bps BETWEEN 0 AND 1000 AND ceil(o."margin" * o."leverage" * d.bps / 10000.0) = o."held_fee"),
               (SELECT m."taker_fee_bps" FROM "perp_markets" AS m WHERE m."symbol" = o."symbol"),
               5),
             "maintenance_margin_bps" = COALESCE((SELECT m."maintenance_margin_bps" FROM "perp_markets" AS m WHERE m."symbol" = o."symbol"), 50)`);
    await queryRunner.query(`ALTER TABLE "perp_orders" ALTER "taker_fee_bps" SET NOT NULL, ALTER "maintenance_margin_bps" SET NOT NULL`);
    await queryRunner.query(
      `ALTER TABLE "perp_orders" ADD CONSTRAINT "CHK_perp_orders_terms" CHECK ("taker_fee_bps" BETWEEN 0 AND 1000 AND "maintenance_margin_bps" BETWEEN 0 AND 5000)`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "perp_orders" DROP CONSTRAINT "CHK_perp_orders_terms", DROP COLUMN "maintenance_margin_bps", DROP COLUMN "taker_fee_bps"`);
    await queryRunner.query(`ALTER TABLE "perp_positions" DROP CONSTRAINT "CHK_perp_positions_taker_fee_bps", DROP COLUMN "taker_fee_bps"`);
  }
}
