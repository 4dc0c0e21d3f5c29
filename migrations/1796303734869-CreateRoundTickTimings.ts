import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Tick timing, one row per round written by the engine when the round ends; and the per-player indexes the
 * statistics read (a player's closed positions and resolved side bets by time, and settled rounds by time).
 */
export class CreateRoundTickTimings1796303734869 implements MigrationInterface {
  name = 'CreateRoundTickTimings1796303734869';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "round_tick_timings" (
        "round_id" uuid PRIMARY KEY REFERENCES "rounds" ("id") ON DELETE CASCADE,
        "tick_ms" integer NOT NULL,
        "ticks" integer NOT NULL,
        "catch_up_passes" integer NOT NULL,
        "intervals" integer NOT NULL,
        "mean_interval_ms" double precision,
        "interval_stddev_ms" double precision,
        "min_interval_ms" double precision,
        "max_interval_ms" double precision,
        "max_deviation_ms" double precision NOT NULL,
        "deviation_histogram" integer[] NOT NULL,
        "recorded_at" TIMESTAMP WITH TIME ZONE NOT NULL
      )`);
    await queryRunner.query(`CREATE INDEX "IDX_round_positions_user_closed" ON "round_positions" ("user_id", "closed_at")`);
    await queryRunner.query(`CREATE INDEX "IDX_round_side_bets_user_resolved" ON "round_side_bets" ("user_id", "resolved_at")`);
    await queryRunner.query(`CREATE INDEX "IDX_rounds_settled" ON "rounds" ("settled_at", "id") WHERE "settled_at" IS NOT NULL`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "IDX_rounds_settled"`);
    await queryRunner.query(`DROP INDEX "IDX_round_side_bets_user_resolved"`);
    await queryRunner.query(`DROP INDEX "IDX_round_positions_user_closed"`);
    await queryRunner.query(`DROP TABLE "round_tick_timings"`);
  }
}
