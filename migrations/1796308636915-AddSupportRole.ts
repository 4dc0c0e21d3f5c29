import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The `support` role: operators who look (Bull Board read-only, the admin audit trail, the reconciliation
 * report) but change nothing. The roles check gains it; going down strips it from users before narrowing again.
 */
export class AddSupportRole1796308636915 implements MigrationInterface {
  name = 'AddSupportRole1796308636915';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "users" DROP CONSTRAINT "CHK_users_roles"`);
    await queryRunner.query(`ALTER TABLE "users" ADD CONSTRAINT "CHK_users_roles" CHECK ("roles" <@ ARRAY['user', 'creator', 'admin', 'support']::text[])`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`UPDATE "users" SET "roles" = array_remove("roles", 'support') WHERE 'support' = ANY("roles")`);
    await queryRunner.query(`ALTER TABLE "users" DROP CONSTRAINT "CHK_users_roles"`);
    await queryRunner.query(`ALTER TABLE "users" ADD CONSTRAINT "CHK_users_roles" CHECK ("roles" <@ ARRAY['user', 'creator', 'admin']::text[])`);
  }
}
