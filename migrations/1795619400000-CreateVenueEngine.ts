import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The venue engine: one row per shard holding the current leader's fencing token (every batch locks it
 * with a token check, which fences the whole batch) and the Redis stream offset consumed so far; and the
 * outcome of every committed command id, so a redelivered or retried command is answered without being applied again.
 */
export class CreateVenueEngine1795619400000 implements MigrationInterface {
  name = 'CreateVenueEngine1795619400000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "engine_shards" (
        "venue" character varying(64) NOT NULL,
        "shard" character varying(128) NOT NULL,
        "fencing_token" bigint NOT NULL,
        "stream_offset" character varying(64) NOT NULL DEFAULT '0-0',
        "leader" character varying(128),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_engine_shards" PRIMARY KEY ("venue", "shard"),
        CONSTRAINT "CHK_engine_shards_token" CHECK ("fencing_token" > 0)
      )
    `);
    await queryRunner.query(`
      CREATE TABLE "engine_commands" (
        "venue" character varying(64) NOT NULL,
        "shard" character varying(128) NOT NULL,
        "command_id" character varying(255) NOT NULL,
        "outcome" jsonb NOT NULL,
        "committed_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_engine_commands" PRIMARY KEY ("venue", "shard", "command_id")
      )
    `);
    await queryRunner.query(`CREATE INDEX "IDX_engine_commands_committed_at" ON "engine_commands" ("committed_at")`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "engine_commands"`);
    await queryRunner.query(`DROP TABLE "engine_shards"`);
  }
}
