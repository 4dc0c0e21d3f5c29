import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Live markets (perps): positions against the house, pending limit/stop orders, and every fill. Only src/trades
 * writes them (the perps venue on its shard's leader). Amounts numeric(78,0) minor units; prices numeric(38,8).
 */
export class CreatePerps1795623400000 implements MigrationInterface {
  name = 'CreatePerps1795623400000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "perp_positions" (
        "id" uuid NOT NULL,
        "user_id" uuid NOT NULL REFERENCES "users"("id"),
        "symbol" varchar(32) NOT NULL,
        "side" varchar(8) NOT NULL,
        "status" varchar(8) NOT NULL,
        "margin" numeric(78,0) NOT NULL,
        "leverage" integer NOT NULL,
        "notional" numeric(78,0) NOT NULL,
        "entry_price" numeric(38,8) NOT NULL,
        "maintenance_margin_bps" integer NOT NULL,
        "liquidation_price" numeric(38,8) NOT NULL,
        "stop_loss" numeric(38,8),
        "take_profit" numeric(38,8),
        "open_fee" numeric(78,0) NOT NULL,
        "close_fee" numeric(78,0),
        "exit_price" numeric(38,8),
        "realized_pnl" numeric(78,0),
        "payout" numeric(78,0),
        "close_reason" varchar(16),
        "liquidation_gap" numeric(38,8),
        "order_id" uuid,
        "opened_at" timestamptz NOT NULL,
        "closed_at" timestamptz,
        CONSTRAINT "PK_perp_positions" PRIMARY KEY ("id"),
        CONSTRAINT "CHK_perp_positions_side" CHECK ("side" IN ('long', 'short')),
        CONSTRAINT "CHK_perp_positions_status" CHECK ("status" IN ('open', 'closed')),
        CONSTRAINT "CHK_perp_positions_amounts" CHECK ("margin" > 0 AND "leverage" >= 1 AND "notional" = "margin" * "leverage" AND "open_fee" >= 0 AND "entry_price" > 0),
        CONSTRAINT "CHK_perp_positions_close_reason" CHECK ("close_reason" IS NULL OR "close_reason" IN ('user', 'stop_loss', 'take_profit', 'liquidation')),
        CONSTRAINT "CHK_perp_positions_closed" CHECK (("status" = 'open') = ("closed_at" IS NULL AND "close_reason" IS NULL AND "payout" IS NULL))
      )`);
    await queryRunner.query(`CREATE INDEX "IDX_perp_positions_user_status" ON "perp_positions" ("user_id", "status", "opened_at")`);
    await queryRunner.query(`CREATE INDEX "IDX_perp_positions_symbol_status" ON "perp_positions" ("symbol", "status")`);

    await queryRunner.query(`
      CREATE TABLE "perp_orders" (
        "id" uuid NOT NULL,
        "user_id" uuid NOT NULL REFERENCES "users"("id"),
        "symbol" varchar(32) NOT NULL,
        "side" varchar(8) NOT NULL,
        "type" varchar(8) NOT NULL,
        "price" numeric(38,8) NOT NULL,
        "margin" numeric(78,0) NOT NULL,
        "leverage" integer NOT NULL,
        "stop_loss" numeric(38,8),
        "take_profit" numeric(38,8),
        "held_fee" numeric(78,0) NOT NULL,
        "status" varchar(12) NOT NULL,
        "position_id" uuid REFERENCES "perp_positions"("id"),
        "expires_at" timestamptz,
        "created_at" timestamptz NOT NULL,
        "ended_at" timestamptz,
        CONSTRAINT "PK_perp_orders" PRIMARY KEY ("id"),
        CONSTRAINT "CHK_perp_orders_side" CHECK ("side" IN ('long', 'short')),
        CONSTRAINT "CHK_perp_orders_type" CHECK ("type" IN ('limit', 'stop')),
        CONSTRAINT "CHK_perp_orders_status" CHECK ("status" IN ('open', 'filled', 'cancelled', 'expired')),
        CONSTRAINT "CHK_perp_orders_amounts" CHECK ("margin" > 0 AND "leverage" >= 1 AND "held_fee" >= 0 AND "price" > 0),
        CONSTRAINT "CHK_perp_orders_filled" CHECK (("status" = 'filled') = ("position_id" IS NOT NULL))
      )`);
    await queryRunner.query(`CREATE INDEX "IDX_perp_orders_user_status" ON "perp_orders" ("user_id", "status", "created_at")`);
    await queryRunner.query(`CREATE INDEX "IDX_perp_orders_symbol_status" ON "perp_orders" ("symbol", "status")`);

    await queryRunner.query(`
      CREATE TABLE "perp_fills" (
        "id" uuid NOT NULL,
        "position_id" uuid NOT NULL REFERENCES "perp_positions"("id"),
        "kind" varchar(8) NOT NULL,
        "reason" varchar(16),
        "price" numeric(38,8) NOT NULL,
        "reference_price" numeric(38,8),
        "slippage" numeric(38,8) NOT NULL,
        "fee" numeric(78,0) NOT NULL,
        "created_at" timestamptz NOT NULL,
        CONSTRAINT "PK_perp_fills" PRIMARY KEY ("id"),
        CONSTRAINT "CHK_perp_fills_kind" CHECK ("kind" IN ('open', 'close', 'trigger')),
        CONSTRAINT "CHK_perp_fills_amounts" CHECK ("price" > 0 AND "slippage" >= 0 AND "fee" >= 0)
      )`);
    await queryRunner.query(`CREATE INDEX "IDX_perp_fills_position" ON "perp_fills" ("position_id", "created_at")`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "perp_fills"`);
    await queryRunner.query(`DROP TABLE "perp_orders"`);
    await queryRunner.query(`DROP TABLE "perp_positions"`);
  }
}
