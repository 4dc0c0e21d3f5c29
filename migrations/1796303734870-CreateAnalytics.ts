import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Analytics: player profiles (what a player makes public) and one statistics row per settled round; plus the
 * indexes the leaderboard rebuild pages through (settled markets, closed perp positions by time).
 */
export class CreateAnalytics1796303734870 implements MigrationInterface {
  name = 'CreateAnalytics1796303734870';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "player_profiles" (
        "user_id" uuid PRIMARY KEY REFERENCES "users" ("id") ON DELETE CASCADE,
        "display_name" varchar(32),
        "public" boolean NOT NULL DEFAULT false,
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX "UQ_player_profiles_display_name" ON "player_profiles" (lower("display_name")) WHERE "display_name" IS NOT NULL`);
    await queryRunner.query(`
      CREATE TABLE "analytics_round_stats" (
        "round_id" uuid PRIMARY KEY,
        "number" integer NOT NULL,
        "status" varchar(16) NOT NULL,
        "started_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        "ended_at" TIMESTAMP WITH TIME ZONE,
        "settled_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        "tick_ms" integer NOT NULL,
        "end_tick" integer NOT NULL,
        "rug_tick" integer,
        "rug_probability" double precision NOT NULL,
        "max_ticks" integer NOT NULL,
        "peak_price" numeric(78,0) NOT NULL,
        "players" integer NOT NULL,
        "positions" integer NOT NULL,
        "position_volume" numeric(78,0) NOT NULL,
        "position_payouts" numeric(78,0) NOT NULL,
        "fees" numeric(78,0) NOT NULL,
        "best_position_pnl" numeric(78,0),
        "worst_position_pnl" numeric(78,0),
        "side_bets" integer NOT NULL,
        "side_bets_won" integer NOT NULL,
        "side_bet_volume" numeric(78,0) NOT NULL,
        "side_bet_payouts" numeric(78,0) NOT NULL,
        "house_result" numeric(78,0) NOT NULL,
        "timing_ticks" integer,
        "timing_max_deviation_ms" double precision,
        "timing_histogram" integer[]
      )`);
    await queryRunner.query(`CREATE INDEX "IDX_analytics_round_stats_settled" ON "analytics_round_stats" ("settled_at")`);
    await queryRunner.query(`CREATE INDEX "IDX_markets_settled" ON "markets" ("settled_at", "id") WHERE "settled_at" IS NOT NULL`);
    await queryRunner.query(`CREATE INDEX "IDX_market_positions_user_settled" ON "market_positions" ("user_id", "settled_at")`);
    await queryRunner.query(`CREATE INDEX "IDX_perp_positions_closed" ON "perp_positions" ("closed_at", "id") WHERE "status" = 'closed'`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "IDX_perp_positions_closed"`);
    await queryRunner.query(`DROP INDEX "IDX_market_positions_user_settled"`);
    await queryRunner.query(`DROP INDEX "IDX_markets_settled"`);
    await queryRunner.query(`DROP TABLE "analytics_round_stats"`);
    await queryRunner.query(`DROP TABLE "player_profiles"`);
  }
}
