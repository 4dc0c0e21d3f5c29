import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Notifications (src/notifications): one row per user and cause (`key` is unique, so a cause that is processed
 * twice notifies once), whether it waits for the user's email digest, the per-kind email settings, when each
 * user was last mailed (at most one digest per NOTIFICATION_EMAIL_DIGEST_MINUTES), and admin broadcasts with
 * the cursor of their fan-out job.
 */
export class CreateNotifications1796303772081 implements MigrationInterface {
  name = 'CreateNotifications1796303772081';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "notifications" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "user_id" uuid NOT NULL,
        "kind" character varying(32) NOT NULL,
        "key" character varying(200) NOT NULL,
        "title" character varying(200) NOT NULL,
        "body" text NOT NULL,
        "data" jsonb NOT NULL DEFAULT '{}',
        "read_at" TIMESTAMP WITH TIME ZONE,
        "email_due" boolean NOT NULL DEFAULT false,
        "emailed_at" TIMESTAMP WITH TIME ZONE,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_notifications" PRIMARY KEY ("id"),
        CONSTRAINT "UQ_notifications_key" UNIQUE ("key"),
        CONSTRAINT "FK_notifications_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE
      )
    `);
    await queryRunner.query(`CREATE INDEX "IDX_notifications_user_created" ON "notifications" ("user_id", "created_at" DESC, "id" DESC)`);
    await queryRunner.query(`CREATE INDEX "IDX_notifications_user_unread" ON "notifications" ("user_id") WHERE "read_at" IS NULL`);
    await queryRunner.query(`CREATE INDEX "IDX_notifications_email_pending" ON "notifications" ("user_id", "created_at") WHERE "email_due" AND "emailed_at" IS NULL`);
    await queryRunner.query(`
      CREATE TABLE "notification_settings" (
        "user_id" uuid NOT NULL,
        "kind" character varying(32) NOT NULL,
        "email" boolean NOT NULL,
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_notification_settings" PRIMARY KEY ("user_id", "kind"),
        CONSTRAINT "FK_notification_settings_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE
      )
    `);
    await queryRunner.query(`
      CREATE TABLE "notification_digests" (
        "user_id" uuid NOT NULL,
        "last_sent_at" TIMESTAMP WITH TIME ZONE,
        CONSTRAINT "PK_notification_digests" PRIMARY KEY ("user_id"),
        CONSTRAINT "FK_notification_digests_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE
      )
    `);
    await queryRunner.query(`
      CREATE TABLE "notification_broadcasts" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "title" character varying(200) NOT NULL,
        "body" text NOT NULL,
        "created_by" uuid NOT NULL,
        "delivered_through" uuid,
        "recipients" integer NOT NULL DEFAULT 0,
        "finished_at" TIMESTAMP WITH TIME ZONE,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_notification_broadcasts" PRIMARY KEY ("id")
      )
    `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "notification_broadcasts"`);
    await queryRunner.query(`DROP TABLE "notification_digests"`);
    await queryRunner.query(`DROP TABLE "notification_settings"`);
    await queryRunner.query(`DROP TABLE "notifications"`);
  }
}
