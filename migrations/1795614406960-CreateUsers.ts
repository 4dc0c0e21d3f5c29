import { MigrationInterface, QueryRunner } from "typeorm";

export class CreateUsers1795614406960 implements MigrationInterface {
    name = 'CreateUsers1795614406960'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TABLE "users" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "username" character varying(24) NOT NULL,
                "wallet_address" character varying(42),
                "aptos_address" character varying(66),
                "email" character varying(254),
                "roles" text array NOT NULL DEFAULT '{user}',
                "status" character varying(16) NOT NULL DEFAULT 'active',
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "last_login_at" TIMESTAMP WITH TIME ZONE,
                CONSTRAINT "UQ_fe0bb3f6520ee0469504521e710" UNIQUE ("username"),
                CONSTRAINT "UQ_196ef3e52525d3cd9e203bdb1de" UNIQUE ("wallet_address"),
                CONSTRAINT "UQ_2d458519f89ce2df0c01ff6f766" UNIQUE ("aptos_address"),
                CONSTRAINT "UQ_97672ac88f789774dd47f7c8be3" UNIQUE ("email"),
                CONSTRAINT "PK_a3ffb1c0c8416b9fc6f907b7433" PRIMARY KEY ("id"),
                CONSTRAINT "CHK_users_status" CHECK ("status" IN ('active', 'banned')),
                CONSTRAINT "CHK_users_roles" CHECK ("roles" <@ ARRAY['user', 'creator', 'admin']::text[])
            )
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            DROP TABLE "users"
        `);
    }

}
