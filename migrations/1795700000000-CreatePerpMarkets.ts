import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The perps catalogue: one row per symbol with its leverage cap, taker fee, maintenance margin, minimum margin
 * (USDC minor units) and a halt switch. Rows are seeded at boot from PERP_SYMBOLS; admins edit them.
 */
export class CreatePerpMarkets1795700000000 implements MigrationInterface {
  name = 'CreatePerpMarkets1795700000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "perp_markets" (
        "symbol" character varying(32) NOT NULL,
        "max_leverage" integer NOT NULL,
        "taker_fee_bps" integer NOT NULL,
        "maintenance_margin_bps" integer NOT NULL,
        "min_margin" numeric(78,0) NOT NULL,
        "halted" boolean NOT NULL DEFAULT false,
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_perp_markets" PRIMARY KEY ("symbol"),
        CONSTRAINT "CHK_perp_markets_rules" CHECK (
          "max_leverage" BETWEEN 1 AND 1000
          AND "taker_fee_bps" BETWEEN 0 AND 1000
          AND "maintenance_margin_bps" BETWEEN 0 AND 5000
          AND "min_margin" > 0
        )
      )
    `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "perp_markets"`);
  }
}
