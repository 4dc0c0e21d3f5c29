import { MigrationInterface, QueryRunner } from "typeorm";

export class CreateAuthSessions1795614906130 implements MigrationInterface {
    name = 'CreateAuthSessions1795614906130'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TABLE "auth_sessions" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "user_id" uuid NOT NULL,
                "method" character varying(16) NOT NULL,
                "user_agent" character varying(512),
                "ip" character varying(64),
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "last_used_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "revoked_at" TIMESTAMP WITH TIME ZONE,
                "revoked_reason" character varying(32),
                CONSTRAINT "CHK_auth_sessions_method" CHECK ("method" IN ('siwe', 'aptos', 'email')),
                CONSTRAINT "PK_641507381f32580e8479efc36cd" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "IDX_auth_sessions_user_active" ON "auth_sessions" ("user_id")
            WHERE "revoked_at" IS NULL
        `);
        await queryRunner.query(`
            CREATE TABLE "refresh_tokens" (
                "token_hash" character varying(64) NOT NULL,
                "session_id" uuid NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "rotated_at" TIMESTAMP WITH TIME ZONE,
                CONSTRAINT "PK_a7838d2ba25be1342091b6695f1" PRIMARY KEY ("token_hash")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "IDX_refresh_tokens_session_id" ON "refresh_tokens" ("session_id")
        `);
        await queryRunner.query(`
            CREATE TABLE "auth_challenges" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "kind" character varying(16) NOT NULL,
                "secret_hash" character varying(64) NOT NULL,
                "subject" character varying(254),
                "message" text,
                "user_id" uuid,
                "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "consumed_at" TIMESTAMP WITH TIME ZONE,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "CHK_auth_challenges_kind" CHECK ("kind" IN ('siwe', 'aptos', 'email')),
                CONSTRAINT "PK_6993bc9c45bbf5948e4118de560" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "UQ_auth_challenges_secret_hash" ON "auth_challenges" ("secret_hash")
        `);
        await queryRunner.query(`
            CREATE INDEX "IDX_auth_challenges_expires_at" ON "auth_challenges" ("expires_at")
        `);
        await queryRunner.query(`
            ALTER TABLE "auth_sessions"
            ADD CONSTRAINT "FK_50ccaa6440288a06f0ba693ccc6" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "refresh_tokens"
            ADD CONSTRAINT "FK_3bf308fa93da3966f9e76fcfba4" FOREIGN KEY ("session_id") REFERENCES "auth_sessions"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "auth_challenges"
            ADD CONSTRAINT "FK_ce2bfa62e2ffd702457bc39b7eb" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            ALTER TABLE "auth_challenges" DROP CONSTRAINT "FK_ce2bfa62e2ffd702457bc39b7eb"
        `);
        await queryRunner.query(`
            ALTER TABLE "refresh_tokens" DROP CONSTRAINT "FK_3bf308fa93da3966f9e76fcfba4"
        `);
        await queryRunner.query(`
            ALTER TABLE "auth_sessions" DROP CONSTRAINT "FK_50ccaa6440288a06f0ba693ccc6"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."IDX_auth_challenges_expires_at"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."UQ_auth_challenges_secret_hash"
        `);
        await queryRunner.query(`
            DROP TABLE "auth_challenges"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."IDX_refresh_tokens_session_id"
        `);
        await queryRunner.query(`
            DROP TABLE "refresh_tokens"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."IDX_auth_sessions_user_active"
        `);
        await queryRunner.query(`
            DROP TABLE "auth_sessions"
        `);
    }

}
