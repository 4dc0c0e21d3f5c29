import { MigrationInterface, QueryRunner } from 'typeorm';

/** Saved round strategies and what their live sessions did per round (one row per strategy and round). */
export class CreateStrategies1796305735225 implements MigrationInterface {
  name = 'CreateStrategies1796305735225';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "strategies" (
      "id" uuid NOT NULL DEFAULT gen_random_uuid(),
      "user_id" uuid NOT NULL,
      "name" character varying(100) NOT NULL,
      "venue" character varying(16) NOT NULL,
      "rules" jsonb NOT NULL,
      "limits" jsonb NOT NULL,
      "status" character varying(16) NOT NULL,
      "session_id" uuid,
      "session_from_round" integer,
      "session" jsonb,
      "stop_reason" character varying(32),
      "started_at" TIMESTAMP WITH TIME ZONE,
      "stopped_at" TIMESTAMP WITH TIME ZONE,
      "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      CONSTRAINT "PK_strategies" PRIMARY KEY ("id"),
      CONSTRAINT "CHK_strategies_status" CHECK ("status" IN ('stopped', 'running')),
      CONSTRAINT "FK_strategies_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE
    )`);
    await queryRunner.query(`CREATE INDEX "IDX_strategies_user" ON "strategies" ("user_id", "created_at")`);
    await queryRunner.query(`CREATE INDEX "IDX_strategies_running" ON "strategies" ("session_from_round") WHERE "status" = 'running'`);
    await queryRunner.query(`CREATE TABLE "strategy_rounds" (
      "id" uuid NOT NULL DEFAULT gen_random_uuid(),
      "strategy_id" uuid NOT NULL,
      "session_id" uuid NOT NULL,
      "round_id" uuid NOT NULL,
      "round_number" integer NOT NULL,
      "pnl" numeric(78,0) NOT NULL,
      "wagered" numeric(78,0) NOT NULL,
      "fees" numeric(78,0) NOT NULL,
      "trades" integer NOT NULL,
      "balance_after" numeric(78,0) NOT NULL,
      "declined" integer NOT NULL DEFAULT 0,
      "slipped" integer NOT NULL DEFAULT 0,
      "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      CONSTRAINT "PK_strategy_rounds" PRIMARY KEY ("id"),
      CONSTRAINT "UQ_strategy_rounds_round" UNIQUE ("strategy_id", "round_id"),
      CONSTRAINT "FK_strategy_rounds_strategy" FOREIGN KEY ("strategy_id") REFERENCES "strategies"("id") ON DELETE CASCADE
    )`);
    await queryRunner.query(`CREATE INDEX "IDX_strategy_rounds_session" ON "strategy_rounds" ("strategy_id", "session_id", "round_number")`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "strategy_rounds"`);
    await queryRunner.query(`DROP TABLE "strategies"`);
  }
}
