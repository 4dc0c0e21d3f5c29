import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Provably fair rounds: committed seed chains, rounds with their published parameters and
 * frozen trading rules, candles, positions, side bets, and the admin settings row.
 */
export class CreateRounds1795616894931 implements MigrationInterface {
  name = 'CreateRounds1795616894931';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "round_seed_chains" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "first_seed" character varying(64) NOT NULL,
        "length" integer NOT NULL,
        "terminal_hash" character varying(64) NOT NULL,
        "rounds_used" integer NOT NULL DEFAULT 0,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_round_seed_chains" PRIMARY KEY ("id"),
        CONSTRAINT "UQ_round_seed_chains_terminal_hash" UNIQUE ("terminal_hash"),
        CONSTRAINT "CHK_round_seed_chains_seed" CHECK ("first_seed" ~ '^[0-9a-f]{64}$' AND "terminal_hash" ~ '^[0-9a-f]{64}$'),
        CONSTRAINT "CHK_round_seed_chains_used" CHECK ("length" >= 1 AND "rounds_used" BETWEEN 0 AND "length")
      )
    `);
    await queryRunner.query(`
      CREATE TABLE "rounds" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "number" integer NOT NULL,
        "chain_id" uuid NOT NULL,
        "chain_index" integer NOT NULL,
        "status" character varying(16) NOT NULL,
        "params" jsonb NOT NULL,
        "server_seed_hash" character varying(64) NOT NULL,
        "server_seed" character varying(64),
        "salt" character varying(256),
        "salt_source" character varying(32) NOT NULL,
        "tick" integer NOT NULL DEFAULT 0,
        "price" numeric(78,0) NOT NULL,
        "rug_tick" integer,
        "tick_ms" integer NOT NULL,
        "fee_bps" integer NOT NULL,
        "min_stake" numeric(78,0) NOT NULL,
        "max_stake" numeric(78,0) NOT NULL,
        "side_bet_window" integer NOT NULL,
        "side_bet_multiplier" character varying(16) NOT NULL,
        "starts_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        "last_tick_at" TIMESTAMP WITH TIME ZONE,
        "ended_at" TIMESTAMP WITH TIME ZONE,
        "settled_at" TIMESTAMP WITH TIME ZONE,
        "leader_token" bigint NOT NULL DEFAULT 0,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_rounds" PRIMARY KEY ("id"),
        CONSTRAINT "FK_rounds_chain" FOREIGN KEY ("chain_id") REFERENCES "round_seed_chains"("id") ON DELETE RESTRICT,
        CONSTRAINT "UQ_rounds_number" UNIQUE ("number"),
        CONSTRAINT "UQ_rounds_chain_index" UNIQUE ("chain_id", "chain_index"),
        CONSTRAINT "CHK_rounds_status" CHECK ("status" IN ('PENDING', 'ACTIVE', 'ENDED', 'SETTLED', 'VOIDED')),
        CONSTRAINT "CHK_rounds_tick" CHECK ("tick" >= 0 AND "price" >= 0 AND "chain_index" >= 1 AND "number" >= 1),
        CONSTRAINT "CHK_rounds_rules" CHECK ("tick_ms" > 0 AND "fee_bps" BETWEEN 0 AND 10000 AND "min_stake" > 0 AND "max_stake" >= "min_stake" AND "side_bet_window" >= 1),
        CONSTRAINT "CHK_rounds_seed_revealed" CHECK (("server_seed" IS NULL) = ("status" IN ('PENDING', 'ACTIVE'))),
        CONSTRAINT "CHK_rounds_salt" CHECK ("salt" IS NOT NULL OR "status" IN ('PENDING', 'VOIDED'))
      ) WITH (fillfactor = 80)
    `);
    // One round at a time: at most one row may be PENDING or ACTIVE.
    await queryRunner.query(`CREATE UNIQUE INDEX "UQ_rounds_one_live" ON "rounds" ((true)) WHERE "status" IN ('PENDING', 'ACTIVE')`);
    await queryRunner.query(`CREATE INDEX "IDX_rounds_unsettled" ON "rounds" ("created_at") WHERE "settled_at" IS NULL AND "status" IN ('ENDED', 'VOIDED')`);

    await queryRunner.query(`
      CREATE TABLE "round_candles" (
        "round_id" uuid NOT NULL,
        "tick" integer NOT NULL,
        "open" numeric(78,0) NOT NULL,
        "high" numeric(78,0) NOT NULL,
        "low" numeric(78,0) NOT NULL,
        "close" numeric(78,0) NOT NULL,
        "at" TIMESTAMP WITH TIME ZONE NOT NULL,
        CONSTRAINT "PK_round_candles" PRIMARY KEY ("round_id", "tick"),
        CONSTRAINT "FK_round_candles_round" FOREIGN KEY ("round_id") REFERENCES "rounds"("id") ON DELETE CASCADE,
        CONSTRAINT "CHK_round_candles_prices" CHECK ("tick" >= 1 AND "low" >= 0 AND "low" <= "close" AND "close" <= "high" AND "low" <= "open" AND "open" <= "high")
      )
    `);

    await queryRunner.query(`
      CREATE TABLE "round_positions" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "round_id" uuid NOT NULL,
        "user_id" uuid NOT NULL,
        "side" character varying(8) NOT NULL,
        "amount" numeric(78,0) NOT NULL,
        "fee" numeric(78,0) NOT NULL,
        "stake" numeric(78,0) NOT NULL,
        "entry_tick" integer NOT NULL,
        "entry_price" numeric(78,0) NOT NULL,
        "status" character varying(8) NOT NULL DEFAULT 'open',
        "exit_tick" integer,
        "exit_price" numeric(78,0),
        "payout" numeric(78,0),
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "closed_at" TIMESTAMP WITH TIME ZONE,
        CONSTRAINT "PK_round_positions" PRIMARY KEY ("id"),
        CONSTRAINT "FK_round_positions_round" FOREIGN KEY ("round_id") REFERENCES "rounds"("id") ON DELETE RESTRICT,
        CONSTRAINT "FK_round_positions_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE RESTRICT,
        CONSTRAINT "CHK_round_positions_side" CHECK ("side" IN ('long', 'short')),
        CONSTRAINT "CHK_round_positions_money" CHECK ("amount" > 0 AND "fee" >= 0 AND "stake" > 0 AND "amount" = "fee" + "stake" AND "entry_price" > 0),
        CONSTRAINT "CHK_round_positions_status" CHECK (
          ("status" = 'open' AND "exit_tick" IS NULL AND "exit_price" IS NULL AND "payout" IS NULL AND "closed_at" IS NULL)
          OR ("status" = 'closed' AND "exit_tick" IS NOT NULL AND "exit_price" IS NOT NULL AND "payout" >= 0 AND "closed_at" IS NOT NULL))
      )
    `);
    await queryRunner.query(`CREATE INDEX "IDX_round_positions_round_user" ON "round_positions" ("round_id", "user_id")`);
    await queryRunner.query(`CREATE INDEX "IDX_round_positions_open" ON "round_positions" ("round_id") WHERE "status" = 'open'`);

    await queryRunner.query(`
      CREATE TABLE "round_side_bets" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "round_id" uuid NOT NULL,
        "user_id" uuid NOT NULL,
        "amount" numeric(78,0) NOT NULL,
        "start_tick" integer NOT NULL,
        "end_tick" integer NOT NULL,
        "payout_multiplier" character varying(16) NOT NULL,
        "status" character varying(8) NOT NULL DEFAULT 'active',
        "payout" numeric(78,0),
        "paid_at" TIMESTAMP WITH TIME ZONE,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "resolved_at" TIMESTAMP WITH TIME ZONE,
        CONSTRAINT "PK_round_side_bets" PRIMARY KEY ("id"),
        CONSTRAINT "FK_round_side_bets_round" FOREIGN KEY ("round_id") REFERENCES "rounds"("id") ON DELETE RESTRICT,
        CONSTRAINT "FK_round_side_bets_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE RESTRICT,
        CONSTRAINT "CHK_round_side_bets_status" CHECK ("status" IN ('active', 'won', 'lost', 'refunded')),
        CONSTRAINT "CHK_round_side_bets_money" CHECK ("amount" > 0 AND ("payout" IS NULL OR "payout" >= 0)),
        CONSTRAINT "CHK_round_side_bets_window" CHECK ("start_tick" >= 1 AND "end_tick" >= "start_tick")
      )
    `);
    // One unresolved side bet per user per round.
    await queryRunner.query(`CREATE UNIQUE INDEX "UQ_round_side_bets_active" ON "round_side_bets" ("round_id", "user_id") WHERE "status" = 'active'`);
    await queryRunner.query(`CREATE INDEX "IDX_round_side_bets_round_user" ON "round_side_bets" ("round_id", "user_id")`);

    await queryRunner.query(`
      CREATE TABLE "round_settings" (
        "id" character varying(32) NOT NULL,
        "overrides" jsonb NOT NULL DEFAULT '{}',
        "paused" boolean NOT NULL DEFAULT false,
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_round_settings" PRIMARY KEY ("id")
      )
    `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "round_settings"`);
    await queryRunner.query(`DROP TABLE "round_side_bets"`);
    await queryRunner.query(`DROP TABLE "round_positions"`);
    await queryRunner.query(`DROP TABLE "round_candles"`);
    await queryRunner.query(`DROP TABLE "rounds"`);
    await queryRunner.query(`DROP TABLE "round_seed_chains"`);
  }
}
