import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Prediction markets on the LMSR maker: markets (with the maker state on the row, so a trade locks and
 * rewrites one row), outcomes, one position per (user, market), fills and price points. Settlement is
 * resumable: each position carries its own settled marker, written in the batch that pays it.
 */
export class CreatePredictionMarkets1795616822882 implements MigrationInterface {
  name = 'CreatePredictionMarkets1795616822882';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "markets" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "question" character varying(300) NOT NULL,
        "description" character varying(5000) NOT NULL DEFAULT '',
        "category" character varying(64) NOT NULL,
        "status" character varying(16) NOT NULL DEFAULT 'OPEN',
        "closes_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        "resolved_outcome" smallint,
        "liquidity" numeric(78,0) NOT NULL,
        "outstanding_shares" numeric(78,0)[] NOT NULL,
        "prior_shares" numeric(78,0)[] NOT NULL,
        "subsidy" numeric(78,0) NOT NULL,
        "fee_bps" integer NOT NULL,
        "creator_fee_share_bps" integer NOT NULL,
        "creator_id" uuid,
        "funder_user_id" uuid,
        "volume" numeric(78,0) NOT NULL DEFAULT 0,
        "platform_fees" numeric(78,0) NOT NULL DEFAULT 0,
        "creator_fees" numeric(78,0) NOT NULL DEFAULT 0,
        "trade_count" integer NOT NULL DEFAULT 0,
        "closed_at" TIMESTAMP WITH TIME ZONE,
        "resolved_at" TIMESTAMP WITH TIME ZONE,
        "settlement_funded_at" TIMESTAMP WITH TIME ZONE,
        "settled_at" TIMESTAMP WITH TIME ZONE,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_markets" PRIMARY KEY ("id"),
        CONSTRAINT "FK_markets_creator" FOREIGN KEY ("creator_id") REFERENCES "users"("id") ON DELETE RESTRICT,
        CONSTRAINT "FK_markets_funder" FOREIGN KEY ("funder_user_id") REFERENCES "users"("id") ON DELETE RESTRICT,
        CONSTRAINT "CHK_markets_status" CHECK ("status" IN ('OPEN', 'CLOSED', 'RESOLVED', 'CANCELLED')),
        CONSTRAINT "CHK_markets_resolved_outcome" CHECK (("status" = 'RESOLVED') = ("resolved_outcome" IS NOT NULL)),
        CONSTRAINT "CHK_markets_outcome_count" CHECK (cardinality("outstanding_shares") BETWEEN 2 AND 20 AND cardinality("prior_shares") = cardinality("outstanding_shares")),
        CONSTRAINT "CHK_markets_amounts" CHECK ("liquidity" > 0 AND "subsidy" > 0 AND "volume" >= 0 AND "platform_fees" >= 0 AND "creator_fees" >= 0),
        CONSTRAINT "CHK_markets_fee_bps" CHECK ("fee_bps" BETWEEN 0 AND 10000 AND "creator_fee_share_bps" BETWEEN 0 AND 10000)
      ) WITH (fillfactor = 80)
    `);
    await queryRunner.query(`CREATE INDEX "IDX_markets_status_closes_at" ON "markets" ("status", "closes_at")`);
    await queryRunner.query(`CREATE INDEX "IDX_markets_created_at" ON "markets" ("created_at")`);
    await queryRunner.query(`CREATE INDEX "IDX_markets_unsettled" ON "markets" ("id") WHERE "status" IN ('RESOLVED', 'CANCELLED') AND "settled_at" IS NULL`);

    await queryRunner.query(`
      CREATE TABLE "market_outcomes" (
        "market_id" uuid NOT NULL,
        "index" smallint NOT NULL,
        "label" character varying(100) NOT NULL,
        CONSTRAINT "PK_market_outcomes" PRIMARY KEY ("market_id", "index"),
        CONSTRAINT "FK_market_outcomes_market" FOREIGN KEY ("market_id") REFERENCES "markets"("id") ON DELETE CASCADE,
        CONSTRAINT "CHK_market_outcomes_index" CHECK ("index" BETWEEN 0 AND 19)
      )
    `);
    await queryRunner.query(`CREATE UNIQUE INDEX "UQ_market_outcomes_label" ON "market_outcomes" ("market_id", lower("label"))`);

    await queryRunner.query(`
      CREATE TABLE "market_positions" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "market_id" uuid NOT NULL,
        "user_id" uuid NOT NULL,
        "shares" numeric(78,0)[] NOT NULL,
        "cost_basis" numeric(78,0)[] NOT NULL,
        "paid" numeric(78,0) NOT NULL DEFAULT 0,
        "received" numeric(78,0) NOT NULL DEFAULT 0,
        "settlement_amount" numeric(78,0),
        "settled_at" TIMESTAMP WITH TIME ZONE,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_market_positions" PRIMARY KEY ("id"),
        CONSTRAINT "UQ_market_positions_market_user" UNIQUE ("market_id", "user_id"),
        CONSTRAINT "FK_market_positions_market" FOREIGN KEY ("market_id") REFERENCES "markets"("id") ON DELETE RESTRICT,
        CONSTRAINT "FK_market_positions_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE RESTRICT,
        CONSTRAINT "CHK_market_positions_amounts" CHECK ("paid" >= 0 AND "received" >= 0 AND ("settlement_amount" IS NULL OR "settlement_amount" >= 0)),
        CONSTRAINT "CHK_market_positions_settled" CHECK (("settled_at" IS NULL) = ("settlement_amount" IS NULL))
      ) WITH (fillfactor = 80)
    `);
    await queryRunner.query(`CREATE INDEX "IDX_market_positions_user" ON "market_positions" ("user_id", "updated_at")`);
    await queryRunner.query(`CREATE INDEX "IDX_market_positions_unsettled" ON "market_positions" ("market_id", "id") WHERE "settled_at" IS NULL`);

    await queryRunner.query(`
      CREATE TABLE "market_trades" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "market_id" uuid NOT NULL,
        "user_id" uuid NOT NULL,
        "side" character varying(4) NOT NULL,
        "outcome" smallint NOT NULL,
        "shares" numeric(78,0) NOT NULL,
        "amount" numeric(78,0) NOT NULL,
        "fee" numeric(78,0) NOT NULL,
        "creator_fee" numeric(78,0) NOT NULL,
        "average_price" numeric(20,6) NOT NULL,
        "prices" numeric(20,6)[] NOT NULL,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_market_trades" PRIMARY KEY ("id"),
        CONSTRAINT "FK_market_trades_market" FOREIGN KEY ("market_id") REFERENCES "markets"("id") ON DELETE RESTRICT,
        CONSTRAINT "FK_market_trades_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE RESTRICT,
        CONSTRAINT "CHK_market_trades_side" CHECK ("side" IN ('buy', 'sell')),
        CONSTRAINT "CHK_market_trades_amounts" CHECK ("shares" > 0 AND "amount" >= 0 AND "fee" >= 0 AND "creator_fee" >= 0 AND "creator_fee" <= "fee")
      )
    `);
    await queryRunner.query(`CREATE INDEX "IDX_market_trades_market_created" ON "market_trades" ("market_id", "created_at")`);

    // Prices after each trade (and at creation): the history endpoint buckets these by minute, hour or day.
    await queryRunner.query(`
      CREATE TABLE "market_price_points" (
        "id" bigint GENERATED BY DEFAULT AS IDENTITY NOT NULL,
        "market_id" uuid NOT NULL,
        "prices" numeric(20,6)[] NOT NULL,
        "at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_market_price_points" PRIMARY KEY ("id"),
        CONSTRAINT "FK_market_price_points_market" FOREIGN KEY ("market_id") REFERENCES "markets"("id") ON DELETE CASCADE
      )
    `);
    await queryRunner.query(`CREATE INDEX "IDX_market_price_points_market_at" ON "market_price_points" ("market_id", "at")`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "market_price_points"`);
    await queryRunner.query(`DROP TABLE "market_trades"`);
    await queryRunner.query(`DROP TABLE "market_positions"`);
    await queryRunner.query(`DROP TABLE "market_outcomes"`);
    await queryRunner.query(`DROP TABLE "markets"`);
  }
}
