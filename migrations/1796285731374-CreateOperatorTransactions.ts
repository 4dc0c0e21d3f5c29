import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The blockchain module's own tables. `operator_transactions`: every transaction the operator key signs, stored
 * (raw and hash) before it is broadcast, keyed by the business id that asked for it, so a retry or a restarted
 * process rebroadcasts the same transaction instead of signing another. `operator_nonces`: the next nonce per
 * operator address, row-locked to hand nonces out one at a time. `seed_commitments`: which seed chains and
 * revealed round seeds are recorded in the SeedCommitments contract, and by which transaction.
 * `network` is `<chainId>:<genesis block hash>`: a fresh dev chain on the same chain id is another network.
 */
export class CreateOperatorTransactions1796285731374 implements MigrationInterface {
  name = 'CreateOperatorTransactions1796285731374';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "operator_transactions" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "key" character varying(200) NOT NULL,
        "network" character varying(80) NOT NULL,
        "chain_id" integer NOT NULL,
        "purpose" character varying(16) NOT NULL,
        "replaces_id" uuid,
        "from_address" character varying(42) NOT NULL,
        "to_address" character varying(42) NOT NULL,
        "data" text NOT NULL,
        "value" numeric(78,0) NOT NULL DEFAULT 0,
        "nonce" bigint NOT NULL,
        "gas_limit" numeric(78,0) NOT NULL,
        "max_fee_per_gas" numeric(78,0) NOT NULL,
        "max_priority_fee_per_gas" numeric(78,0) NOT NULL,
        "raw_tx" text NOT NULL,
        "tx_hash" character varying(66) NOT NULL,
        "status" character varying(16) NOT NULL DEFAULT 'SIGNED',
        "block_number" bigint,
        "block_hash" character varying(66),
        "gas_used" numeric(78,0),
        "last_error" character varying(500),
        "broadcast_at" TIMESTAMP WITH TIME ZONE,
        "final_at" TIMESTAMP WITH TIME ZONE,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_operator_transactions" PRIMARY KEY ("id"),
        CONSTRAINT "UQ_operator_transactions_key" UNIQUE ("key"),
        CONSTRAINT "UQ_operator_transactions_hash" UNIQUE ("tx_hash"),
        CONSTRAINT "FK_operator_transactions_replaces" FOREIGN KEY ("replaces_id") REFERENCES "operator_transactions"("id"),
        CONSTRAINT "CHK_operator_transactions_purpose" CHECK ("purpose" IN ('call', 'cancel')),
        CONSTRAINT "CHK_operator_transactions_status" CHECK ("status" IN ('SIGNED', 'BROADCAST', 'CONFIRMED', 'REVERTED', 'REPLACED'))
      )
    `);
    // One call per nonce: only a deliberate cancellation shares a nonce with it.
    await queryRunner.query(
      `CREATE UNIQUE INDEX "UQ_operator_transactions_call_nonce" ON "operator_transactions" ("network", "from_address", "nonce") WHERE "purpose" = 'call'`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_operator_transactions_open" ON "operator_transactions" ("network", "created_at") WHERE "status" IN ('SIGNED', 'BROADCAST')`);
    await queryRunner.query(`CREATE INDEX "IDX_operator_transactions_replaces" ON "operator_transactions" ("replaces_id") WHERE "replaces_id" IS NOT NULL`);
    await queryRunner.query(`
      CREATE TABLE "operator_nonces" (
        "network" character varying(80) NOT NULL,
        "address" character varying(42) NOT NULL,
        "next_nonce" bigint NOT NULL,
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_operator_nonces" PRIMARY KEY ("network", "address")
      )
    `);
    await queryRunner.query(`
      CREATE TABLE "seed_commitments" (
        "network" character varying(80) NOT NULL,
        "subject_kind" character varying(8) NOT NULL,
        "subject_id" uuid NOT NULL,
        "seed_chain_id" uuid NOT NULL,
        "round_number" integer,
        "tx_key" character varying(200),
        "tx_hash" character varying(66),
        "block_number" bigint,
        "block_hash" character varying(66),
        "recorded_at" TIMESTAMP WITH TIME ZONE,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_seed_commitments" PRIMARY KEY ("network", "subject_kind", "subject_id"),
        CONSTRAINT "CHK_seed_commitments_kind" CHECK ("subject_kind" IN ('chain', 'round'))
      )
    `);
    await queryRunner.query(`CREATE INDEX "IDX_seed_commitments_tx" ON "seed_commitments" ("network", "tx_key")`);
    await queryRunner.query(`CREATE INDEX "IDX_seed_commitments_round_number" ON "seed_commitments" ("network", "round_number") WHERE "subject_kind" = 'round'`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "seed_commitments"`);
    await queryRunner.query(`DROP TABLE "operator_nonces"`);
    await queryRunner.query(`DROP TABLE "operator_transactions"`);
  }
}
