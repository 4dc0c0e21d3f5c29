import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Limit orders on prediction-market outcome shares (issue 14): `market_orders` (one row per order, its cash hold
 * on the row while it rests) and `market_order_fills` (each side of a book trade, each pool step of an order).
 * `seq` is the time priority the book is rebuilt in; `market_order_books` numbers each book's level deltas.
 */
export class CreateMarketOrders1796305431845 implements MigrationInterface {
  name = 'CreateMarketOrders1796305431845';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "market_orders" (
        "id" uuid NOT NULL,
        "seq" bigint GENERATED ALWAYS AS IDENTITY,
        "market_id" uuid NOT NULL,
        "user_id" uuid NOT NULL,
        "outcome" smallint NOT NULL,
        "side" character varying(4) NOT NULL,
        "price_tick" integer NOT NULL,
        "ticks_per_unit" integer NOT NULL,
        "shares" numeric(78,0) NOT NULL,
        "filled_shares" numeric(78,0) NOT NULL DEFAULT 0,
        "status" character varying(16) NOT NULL,
        "cancel_reason" character varying(16),
        "time_in_force" character varying(3) NOT NULL,
        "post_only" boolean NOT NULL DEFAULT false,
        "stp" character varying(16) NOT NULL DEFAULT 'cancel_resting',
        "expires_at" TIMESTAMP WITH TIME ZONE,
        "locked_amount" numeric(78,0) NOT NULL DEFAULT 0,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_market_orders" PRIMARY KEY ("id"),
        CONSTRAINT "FK_market_orders_market" FOREIGN KEY ("market_id") REFERENCES "markets"("id") ON DELETE RESTRICT,
        CONSTRAINT "FK_market_orders_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE RESTRICT,
        CONSTRAINT "CHK_market_orders_side" CHECK ("side" IN ('buy', 'sell')),
        CONSTRAINT "CHK_market_orders_status" CHECK ("status" IN ('open', 'filled', 'cancelled', 'expired')),
        CONSTRAINT "CHK_market_orders_tif" CHECK ("time_in_force" IN ('GTC', 'GTD', 'IOC', 'FOK')),
        CONSTRAINT "CHK_market_orders_price" CHECK ("price_tick" > 0 AND "price_tick" < "ticks_per_unit"),
        CONSTRAINT "CHK_market_orders_shares" CHECK ("shares" > 0 AND "filled_shares" >= 0 AND "filled_shares" <= "shares" AND "locked_amount" >= 0),
        CONSTRAINT "CHK_market_orders_open_holds" CHECK ("status" = 'open' OR "locked_amount" = 0)
      )
    `);
    await queryRunner.query(`CREATE INDEX "IDX_market_orders_book" ON "market_orders" ("market_id", "outcome", "seq") WHERE "status" = 'open'`);
    await queryRunner.query(`CREATE INDEX "IDX_market_orders_user" ON "market_orders" ("user_id", "created_at")`);
    await queryRunner.query(`CREATE INDEX "IDX_market_orders_expiry" ON "market_orders" ("expires_at") WHERE "status" = 'open' AND "expires_at" IS NOT NULL`);

    await queryRunner.query(`
      CREATE TABLE "market_order_fills" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "trade_id" uuid NOT NULL,
        "order_id" uuid NOT NULL,
        "market_id" uuid NOT NULL,
        "user_id" uuid NOT NULL,
        "outcome" smallint NOT NULL,
        "side" character varying(4) NOT NULL,
        "liquidity" character varying(5) NOT NULL,
        "counterparty" character varying(4) NOT NULL,
        "price" numeric(20,6) NOT NULL,
        "shares" numeric(78,0) NOT NULL,
        "amount" numeric(78,0) NOT NULL,
        "fee" numeric(78,0) NOT NULL,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_market_order_fills" PRIMARY KEY ("id"),
        CONSTRAINT "FK_market_order_fills_order" FOREIGN KEY ("order_id") REFERENCES "market_orders"("id") ON DELETE RESTRICT,
        CONSTRAINT "FK_market_order_fills_market" FOREIGN KEY ("market_id") REFERENCES "markets"("id") ON DELETE RESTRICT,
        CONSTRAINT "CHK_market_order_fills_kind" CHECK ("side" IN ('buy', 'sell') AND "liquidity" IN ('maker', 'taker') AND "counterparty" IN ('book', 'pool')),
        CONSTRAINT "CHK_market_order_fills_amounts" CHECK ("shares" > 0 AND "amount" >= 0 AND "fee" >= 0)
      )
    `);
    await queryRunner.query(`CREATE INDEX "IDX_market_order_fills_order" ON "market_order_fills" ("order_id")`);

    // The last delta sequence of each outcome's book: every level change of a command takes the next one.
    await queryRunner.query(`
      CREATE TABLE "market_order_books" (
        "market_id" uuid NOT NULL,
        "outcome" smallint NOT NULL,
        "sequence" bigint NOT NULL DEFAULT 0,
        CONSTRAINT "PK_market_order_books" PRIMARY KEY ("market_id", "outcome"),
        CONSTRAINT "FK_market_order_books_market" FOREIGN KEY ("market_id") REFERENCES "markets"("id") ON DELETE RESTRICT
      )
    `);
    await queryRunner.query(`CREATE INDEX "IDX_market_order_fills_market_created" ON "market_order_fills" ("market_id", "created_at")`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "market_order_books"`);
    await queryRunner.query(`DROP TABLE "market_order_fills"`);
    await queryRunner.query(`DROP TABLE "market_orders"`);
  }
}
