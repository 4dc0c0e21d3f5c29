import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * On-chain deposits (owned by accounts): each deposit event once by (chain, chain_id, chain_epoch, tx_hash, log_index).
 * `chain_epoch` names one history of the chain (an EVM chain's genesis block hash; '' where a chain id is enough):
 * a dev chain restarted from block 0 replays the same transaction hashes, and they are new deposits.
 * SEEN → CONFIRMED → CREDITED, or UNASSIGNED (no user has the sender's address) → CREDITED by an admin or
 * RETURN_REQUESTED → RETURNED; DROPPED when the log's block was replaced before it was confirmed.
 */
export class CreateDeposits1795713400000 implements MigrationInterface {
  name = 'CreateDeposits1795713400000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "deposits" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "chain" character varying(16) NOT NULL,
        "chain_id" character varying(32) NOT NULL,
        "chain_epoch" character varying(66) NOT NULL DEFAULT '',
        "tx_hash" character varying(80) NOT NULL,
        "log_index" integer NOT NULL,
        "block_number" bigint NOT NULL,
        "block_hash" character varying(66),
        "from_address" character varying(128) NOT NULL,
        "user_id" uuid,
        "asset" character varying(16) NOT NULL,
        "amount" numeric(78,0) NOT NULL,
        "status" character varying(16) NOT NULL,
        "note" character varying(500),
        "return_tx_hash" character varying(80),
        "credited_at" TIMESTAMP WITH TIME ZONE,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_deposits" PRIMARY KEY ("id"),
        CONSTRAINT "UQ_deposits_event" UNIQUE ("chain", "chain_id", "chain_epoch", "tx_hash", "log_index"),
        CONSTRAINT "FK_deposits_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE RESTRICT,
        CONSTRAINT "FK_deposits_asset" FOREIGN KEY ("asset") REFERENCES "assets"("code"),
        CONSTRAINT "CHK_deposits_amount" CHECK ("amount" > 0),
        CONSTRAINT "CHK_deposits_log_index" CHECK ("log_index" >= 0),
        CONSTRAINT "CHK_deposits_status" CHECK ("status" IN ('SEEN', 'CONFIRMED', 'CREDITED', 'UNASSIGNED', 'RETURN_REQUESTED', 'RETURNED', 'DROPPED')),
        CONSTRAINT "CHK_deposits_credited_user" CHECK ("status" <> 'CREDITED' OR "user_id" IS NOT NULL)
      )
    `);
    await queryRunner.query(`CREATE INDEX "IDX_deposits_user_created" ON "deposits" ("user_id", "created_at") WHERE "user_id" IS NOT NULL`);
    await queryRunner.query(`CREATE INDEX "IDX_deposits_status_created" ON "deposits" ("status", "created_at")`);
    await queryRunner.query(
      `CREATE INDEX "IDX_deposits_in_flight" ON "deposits" ("chain", "chain_id", "chain_epoch", "block_number") WHERE "status" IN ('SEEN', 'CONFIRMED')`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "deposits"`);
  }
}
