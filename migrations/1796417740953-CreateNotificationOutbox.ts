import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A large cause's notifications (a settlement or dividend batch of many holders) are written in the cause's
 * transaction as one outbox row, keyed by the batch; a `notifications` job turns it into the notification rows and
 * deletes it, in one transaction.
 */
export class CreateNotificationOutbox1796417740953 implements MigrationInterface {
  name = 'CreateNotificationOutbox1796417740953';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "notification_outbox" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "cause" character varying(200) NOT NULL, "drafts" jsonb NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "UQ_notification_outbox_cause" UNIQUE ("cause"), CONSTRAINT "PK_notification_outbox" PRIMARY KEY ("id"))`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "notification_outbox"`);
  }
}
