import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Approvals expire (ADMIN_APPROVAL_TTL_MS). Expiry is computed when read, so nothing is swept; a row is stored as
 * EXPIRED only when a new request for the same target replaces it, so the one-pending-per-target index lets the
 * new one in. Like PENDING, EXPIRED was decided by nobody. Going down turns stored EXPIRED rows into rejections by
 * their requester (the only decider the old checks allow without a second admin).
 */
export class AdminApprovalsExpired1796414871292 implements MigrationInterface {
  name = 'AdminApprovalsExpired1796414871292';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "admin_approvals" DROP CONSTRAINT "CHK_admin_approvals_status"`);
    await queryRunner.query(`ALTER TABLE "admin_approvals" ADD CONSTRAINT "CHK_admin_approvals_status" CHECK ("status" IN ('PENDING', 'APPROVED', 'REJECTED', 'EXPIRED'))`);
    await queryRunner.query(`ALTER TABLE "admin_approvals" DROP CONSTRAINT "CHK_admin_approvals_decided"`);
    await queryRunner.query(`ALTER TABLE "admin_approvals" ADD CONSTRAINT "CHK_admin_approvals_decided" CHECK (("status" IN ('PENDING', 'EXPIRED')) = ("decided_by" IS NULL))`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "admin_approvals" DROP CONSTRAINT "CHK_admin_approvals_decided"`);
    await queryRunner.query(`ALTER TABLE "admin_approvals" DROP CONSTRAINT "CHK_admin_approvals_status"`);
    await queryRunner.query(
      `UPDATE "admin_approvals" SET "status" = 'REJECTED', "decided_by" = "requested_by", "decided_at" = COALESCE("decided_at", now()), "reason" = COALESCE("reason", 'expired') WHERE "status" = 'EXPIRED'`,
    );
    await queryRunner.query(`ALTER TABLE "admin_approvals" ADD CONSTRAINT "CHK_admin_approvals_status" CHECK ("status" IN ('PENDING', 'APPROVED', 'REJECTED'))`);
    await queryRunner.query(`ALTER TABLE "admin_approvals" ADD CONSTRAINT "CHK_admin_approvals_decided" CHECK (("status" = 'PENDING') = ("decided_by" IS NULL))`);
  }
}
