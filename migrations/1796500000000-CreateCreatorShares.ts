import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Creator shares and dividends (src/creators): one share market per creator on a bonding curve, holdings, lots
 * (each buy, locked until `locked_until`), every trade with the dividend period it counts in, the per-creator
 * cursor of the last period the dividend job closed, and the dividends paid per creator, period and holder.
 */
export class CreateCreatorShares1796500000000 implements MigrationInterface {
  name = 'CreateCreatorShares1796500000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "creator_share_markets" (
        "creator_id" uuid NOT NULL,
        "status" character varying(16) NOT NULL DEFAULT 'ACTIVE',
        "supply" bigint NOT NULL DEFAULT 1,
        "holder_count" integer NOT NULL DEFAULT 1,
        "volume" numeric(78,0) NOT NULL DEFAULT 0,
        "trade_count" integer NOT NULL DEFAULT 0,
        "dividends_paid" numeric(78,0) NOT NULL DEFAULT 0,
        "granted_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "revoked_at" TIMESTAMP WITH TIME ZONE,
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_creator_share_markets" PRIMARY KEY ("creator_id"),
        CONSTRAINT "FK_creator_share_markets_user" FOREIGN KEY ("creator_id") REFERENCES "users"("id") ON DELETE RESTRICT,
        CONSTRAINT "CHK_creator_share_markets_status" CHECK ("status" IN ('ACTIVE', 'REVOKED')),
        CONSTRAINT "CHK_creator_share_markets_amounts" CHECK ("supply" >= 1 AND "holder_count" >= 0 AND "volume" >= 0 AND "dividends_paid" >= 0)
      )
    `);
    for (const column of ['supply', 'holder_count', 'volume', 'dividends_paid']) {
      await queryRunner.query(`CREATE INDEX "IDX_creator_share_markets_${column}" ON "creator_share_markets" ("${column}", "creator_id")`);
    }
    await queryRunner.query(`
      CREATE TABLE "creator_dividend_cursors" (
        "creator_id" uuid NOT NULL,
        "closed_through" TIMESTAMP WITH TIME ZONE,
        CONSTRAINT "PK_creator_dividend_cursors" PRIMARY KEY ("creator_id"),
        CONSTRAINT "FK_creator_dividend_cursors_market" FOREIGN KEY ("creator_id") REFERENCES "creator_share_markets"("creator_id") ON DELETE CASCADE
      )
    `);
    await queryRunner.query(`
      CREATE TABLE "creator_share_holdings" (
        "creator_id" uuid NOT NULL,
        "user_id" uuid NOT NULL,
        "shares" bigint NOT NULL,
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_creator_share_holdings" PRIMARY KEY ("creator_id", "user_id"),
        CONSTRAINT "FK_creator_share_holdings_market" FOREIGN KEY ("creator_id") REFERENCES "creator_share_markets"("creator_id") ON DELETE CASCADE,
        CONSTRAINT "FK_creator_share_holdings_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE RESTRICT,
        CONSTRAINT "CHK_creator_share_holdings_shares" CHECK ("shares" >= 0)
      )
    `);
    await queryRunner.query(`CREATE INDEX "IDX_creator_share_holdings_user" ON "creator_share_holdings" ("user_id") WHERE "shares" > 0`);
    await queryRunner.query(`CREATE INDEX "IDX_creator_share_holdings_top" ON "creator_share_holdings" ("creator_id", "shares" DESC, "user_id") WHERE "shares" > 0`);
    await queryRunner.query(`
      CREATE TABLE "creator_share_trades" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "creator_id" uuid NOT NULL,
        "user_id" uuid NOT NULL,
        "side" character varying(8) NOT NULL,
        "shares" bigint NOT NULL,
        "supply_after" bigint NOT NULL,
        "value" numeric(78,0) NOT NULL,
        "creator_fee" numeric(78,0) NOT NULL,
        "platform_fee" numeric(78,0) NOT NULL,
        "dividend_fee" numeric(78,0) NOT NULL,
        "total" numeric(78,0) NOT NULL,
        "period" TIMESTAMP WITH TIME ZONE NOT NULL,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_creator_share_trades" PRIMARY KEY ("id"),
        CONSTRAINT "FK_creator_share_trades_market" FOREIGN KEY ("creator_id") REFERENCES "creator_share_markets"("creator_id") ON DELETE CASCADE,
        CONSTRAINT "CHK_creator_share_trades_side" CHECK ("side" IN ('grant', 'buy', 'sell')),
        CONSTRAINT "CHK_creator_share_trades_amounts" CHECK ("shares" > 0 AND "supply_after" >= 1 AND "value" >= 0 AND "creator_fee" >= 0 AND "platform_fee" >= 0 AND "dividend_fee" >= 0 AND "dividend_fee" <= "creator_fee" AND "total" >= 0)
      )
    `);
    await queryRunner.query(`CREATE INDEX "IDX_creator_share_trades_period" ON "creator_share_trades" ("creator_id", "period")`);
    await queryRunner.query(`CREATE INDEX "IDX_creator_share_trades_created" ON "creator_share_trades" ("creator_id", "created_at")`);
    await queryRunner.query(`
      CREATE TABLE "creator_share_lots" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "creator_id" uuid NOT NULL,
        "user_id" uuid NOT NULL,
        "trade_id" uuid NOT NULL,
        "shares" bigint NOT NULL,
        "remaining" bigint NOT NULL,
        "locked_until" TIMESTAMP WITH TIME ZONE NOT NULL,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_creator_share_lots" PRIMARY KEY ("id"),
        CONSTRAINT "FK_creator_share_lots_trade" FOREIGN KEY ("trade_id") REFERENCES "creator_share_trades"("id") ON DELETE CASCADE,
        CONSTRAINT "CHK_creator_share_lots_shares" CHECK ("shares" > 0 AND "remaining" >= 0 AND "remaining" <= "shares")
      )
    `);
    await queryRunner.query(`CREATE INDEX "IDX_creator_share_lots_open" ON "creator_share_lots" ("creator_id", "user_id", "locked_until") WHERE "remaining" > 0`);
    await queryRunner.query(`CREATE INDEX "IDX_creator_share_lots_user" ON "creator_share_lots" ("user_id") WHERE "remaining" > 0`);
    await queryRunner.query(`
      CREATE TABLE "creator_dividend_runs" (
        "period" TIMESTAMP WITH TIME ZONE NOT NULL,
        "closed_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "finished_at" TIMESTAMP WITH TIME ZONE,
        CONSTRAINT "PK_creator_dividend_runs" PRIMARY KEY ("period")
      )
    `);
    await queryRunner.query(`
      CREATE TABLE "creator_dividends" (
        "creator_id" uuid NOT NULL,
        "period" TIMESTAMP WITH TIME ZONE NOT NULL,
        "amount" numeric(78,0) NOT NULL,
        "total_shares" bigint NOT NULL,
        "holders" integer NOT NULL,
        "funded_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "paid_at" TIMESTAMP WITH TIME ZONE,
        CONSTRAINT "PK_creator_dividends" PRIMARY KEY ("creator_id", "period"),
        CONSTRAINT "FK_creator_dividends_market" FOREIGN KEY ("creator_id") REFERENCES "creator_share_markets"("creator_id") ON DELETE CASCADE,
        CONSTRAINT "CHK_creator_dividends_amounts" CHECK ("amount" >= 0 AND "total_shares" >= 0 AND "holders" >= 0)
      )
    `);
    await queryRunner.query(`CREATE INDEX "IDX_creator_dividends_period" ON "creator_dividends" ("period", "creator_id")`);
    await queryRunner.query(`CREATE INDEX "IDX_creator_dividends_unpaid" ON "creator_dividends" ("period") WHERE "paid_at" IS NULL`);
    await queryRunner.query(`
      CREATE TABLE "creator_dividend_payments" (
        "creator_id" uuid NOT NULL,
        "period" TIMESTAMP WITH TIME ZONE NOT NULL,
        "user_id" uuid NOT NULL,
        "shares" bigint NOT NULL,
        "amount" numeric(78,0) NOT NULL,
        "paid_at" TIMESTAMP WITH TIME ZONE,
        CONSTRAINT "PK_creator_dividend_payments" PRIMARY KEY ("creator_id", "period", "user_id"),
        CONSTRAINT "FK_creator_dividend_payments_dividend" FOREIGN KEY ("creator_id", "period") REFERENCES "creator_dividends"("creator_id", "period") ON DELETE CASCADE,
        CONSTRAINT "CHK_creator_dividend_payments_amounts" CHECK ("shares" > 0 AND "amount" >= 0)
      )
    `);
    await queryRunner.query(`CREATE INDEX "IDX_creator_dividend_payments_unpaid" ON "creator_dividend_payments" ("creator_id", "period", "user_id") WHERE "paid_at" IS NULL`);
    await queryRunner.query(`CREATE INDEX "IDX_creator_dividend_payments_user" ON "creator_dividend_payments" ("user_id", "period")`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of [
      'creator_dividend_payments',
      'creator_dividends',
      'creator_dividend_runs',
      'creator_share_lots',
      'creator_share_trades',
      'creator_share_holdings',
      'creator_dividend_cursors',
      'creator_share_markets',
    ]) {
      await queryRunner.query(`DROP TABLE "${table}"`);
    }
  }
}
