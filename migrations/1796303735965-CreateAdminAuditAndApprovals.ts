import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Admin operations: `admin_audit`, the append-only trail of every admin action (a trigger refuses UPDATE,
 * DELETE and TRUNCATE as on the ledger), and `admin_approvals`, the four-eyes queue of large money moves.
 * Prediction markets gain `CANCELLING`: cancelled, refunds still being paid; `CANCELLED` once all are paid.
 */
export class CreateAdminAuditAndApprovals1796303735965 implements MigrationInterface {
  name = 'CreateAdminAuditAndApprovals1796303735965';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "admin_audit" (
        "id" bigserial NOT NULL,
        "actor_id" uuid NOT NULL,
        "action" character varying(64) NOT NULL,
        "target_type" character varying(32) NOT NULL,
        "target_id" character varying(128) NOT NULL,
        "before" jsonb,
        "after" jsonb,
        "request_id" character varying(128),
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_admin_audit" PRIMARY KEY ("id")
      )`);
    await queryRunner.query(`CREATE INDEX "IDX_admin_audit_created_at" ON "admin_audit" ("created_at", "id")`);
    await queryRunner.query(`CREATE INDEX "IDX_admin_audit_actor" ON "admin_audit" ("actor_id", "id")`);
    await queryRunner.query(`CREATE INDEX "IDX_admin_audit_target" ON "admin_audit" ("target_id", "id")`);
    await queryRunner.query(`
      CREATE FUNCTION "admin_audit_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'admin_audit rows are append-only (% on %)', TG_OP, TG_TABLE_NAME USING ERRCODE = 'restrict_violation';
      END $$`);
    await queryRunner.query(`CREATE TRIGGER "admin_audit_append_only" BEFORE UPDATE OR DELETE ON "admin_audit" FOR EACH ROW EXECUTE FUNCTION "admin_audit_append_only"()`);
    await queryRunner.query(`CREATE TRIGGER "admin_audit_no_truncate" BEFORE TRUNCATE ON "admin_audit" FOR EACH STATEMENT EXECUTE FUNCTION "admin_audit_append_only"()`);

    await queryRunner.query(`
      CREATE TABLE "admin_approvals" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "action" character varying(64) NOT NULL,
        "target_id" character varying(128) NOT NULL,
        "asset" character varying(16) NOT NULL,
        "amount" character varying(100) NOT NULL,
        "payload" jsonb NOT NULL,
        "status" character varying(16) NOT NULL DEFAULT 'PENDING',
        "requested_by" uuid NOT NULL,
        "request_id" character varying(128),
        "decided_by" uuid,
        "decided_at" TIMESTAMP WITH TIME ZONE,
        "reason" character varying(500),
        "result" jsonb,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_admin_approvals" PRIMARY KEY ("id"),
        CONSTRAINT "CHK_admin_approvals_status" CHECK ("status" IN ('PENDING', 'APPROVED', 'REJECTED')),
        CONSTRAINT "CHK_admin_approvals_decided" CHECK (("status" = 'PENDING') = ("decided_by" IS NULL)),
        CONSTRAINT "CHK_admin_approvals_four_eyes" CHECK ("decided_by" IS NULL OR "status" = 'REJECTED' OR "decided_by" <> "requested_by")
      )`);
    await queryRunner.query(`CREATE INDEX "IDX_admin_approvals_status" ON "admin_approvals" ("status", "created_at")`);
    // One open request per action and target: a second request for the same withdrawal waits on the first.
    await queryRunner.query(`CREATE UNIQUE INDEX "UQ_admin_approvals_pending_target" ON "admin_approvals" ("action", "target_id") WHERE "status" = 'PENDING' AND "action" = 'withdrawal.approve'`);

    await queryRunner.query(`ALTER TABLE "markets" DROP CONSTRAINT "CHK_markets_status"`);
    await queryRunner.query(`ALTER TABLE "markets" ADD CONSTRAINT "CHK_markets_status" CHECK ("status" IN ('OPEN', 'CLOSED', 'RESOLVED', 'CANCELLING', 'CANCELLED'))`);
    // A cancellation still being refunded when this runs is CANCELLING from now on (the sweep looks for those).
    await queryRunner.query(`UPDATE "markets" SET "status" = 'CANCELLING' WHERE "status" = 'CANCELLED' AND "settled_at" IS NULL`);
    await queryRunner.query(`DROP INDEX "IDX_markets_unsettled"`);
    await queryRunner.query(`CREATE INDEX "IDX_markets_unsettled" ON "markets" ("id") WHERE "status" IN ('RESOLVED', 'CANCELLING') AND "settled_at" IS NULL`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "IDX_markets_unsettled"`);
    await queryRunner.query(`CREATE INDEX "IDX_markets_unsettled" ON "markets" ("id") WHERE "status" IN ('RESOLVED', 'CANCELLED') AND "settled_at" IS NULL`);
    await queryRunner.query(`ALTER TABLE "markets" DROP CONSTRAINT "CHK_markets_status"`);
    await queryRunner.query(`UPDATE "markets" SET "status" = 'CANCELLED' WHERE "status" = 'CANCELLING'`);
    await queryRunner.query(`ALTER TABLE "markets" ADD CONSTRAINT "CHK_markets_status" CHECK ("status" IN ('OPEN', 'CLOSED', 'RESOLVED', 'CANCELLED'))`);
    await queryRunner.query(`DROP TABLE "admin_approvals"`);
    await queryRunner.query(`DROP TABLE "admin_audit"`);
    await queryRunner.query(`DROP FUNCTION "admin_audit_append_only"()`);
  }
}
