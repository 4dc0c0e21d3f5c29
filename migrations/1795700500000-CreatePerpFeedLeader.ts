import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The fence of the price feed's candle writes: one row per feed lease (`<prefix>:perps:feed-leader`) holding the
 * fencing token of the leader allowed to upsert candles. A new leader raises it before it starts; every candle
 * upsert checks it (and share-locks it) in the same statement, so a paused ex-leader's late flush writes nothing.
 */
export class CreatePerpFeedLeader1795700500000 implements MigrationInterface {
  name = 'CreatePerpFeedLeader1795700500000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "perp_feed_leader" (
        "feed" character varying(200) NOT NULL,
        "token" bigint NOT NULL,
        "claimed_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_perp_feed_leader" PRIMARY KEY ("feed")
      )
    `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "perp_feed_leader"`);
  }
}
