import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Candles of the perps' mid prices (1m to 1d), written about once a second by the price feed's leader; volume is
 * the notional traded on this venue, added by the venue. Exact numerics; one row per symbol, interval and bucket.
 */
export class CreatePerpCandles1795620417321 implements MigrationInterface {
  name = 'CreatePerpCandles1795620417321';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "perp_candles" (
        "symbol" character varying(32) NOT NULL,
        "interval" character varying(4) NOT NULL,
        "open_time" TIMESTAMP WITH TIME ZONE NOT NULL,
        "open" numeric NOT NULL,
        "high" numeric NOT NULL,
        "low" numeric NOT NULL,
        "close" numeric NOT NULL,
        "volume" numeric NOT NULL DEFAULT 0,
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_perp_candles" PRIMARY KEY ("symbol", "interval", "open_time"),
        CONSTRAINT "CHK_perp_candles_interval" CHECK ("interval" IN ('1m', '5m', '15m', '1h', '4h', '1d')),
        CONSTRAINT "CHK_perp_candles_prices" CHECK ("low" > 0 AND "low" <= "high" AND "open" BETWEEN "low" AND "high" AND "close" BETWEEN "low" AND "high"),
        CONSTRAINT "CHK_perp_candles_volume" CHECK ("volume" >= 0)
      )
    `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "perp_candles"`);
  }
}
