import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Provably fair salts: `salt_ref` pins, in the PENDING row, the entropy a round's salt will be (the target block
 * number for `evm-block`, the Aptos draw's round id for `aptos`) before it exists; `salt_proof` says where the
 * drawn salt can be looked up; `seed_reveal_tx_hash` is the SeedCommitments transaction that recorded the
 * revealed seed. Only `server` rounds may lack a pinned reference.
 */
export class AddRoundSaltReferences1796278806779 implements MigrationInterface {
  name = 'AddRoundSaltReferences1796278806779';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "rounds" ADD "salt_ref" character varying(80)`);
    await queryRunner.query(`ALTER TABLE "rounds" ADD "salt_proof" jsonb`);
    await queryRunner.query(`ALTER TABLE "rounds" ADD "seed_reveal_tx_hash" character varying(80)`);
    await queryRunner.query(`ALTER TABLE "rounds" ADD CONSTRAINT "CHK_rounds_salt_ref" CHECK ("salt_source" = 'server' OR "salt_ref" IS NOT NULL)`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "rounds" DROP CONSTRAINT "CHK_rounds_salt_ref"`);
    await queryRunner.query(`ALTER TABLE "rounds" DROP COLUMN "seed_reveal_tx_hash"`);
    await queryRunner.query(`ALTER TABLE "rounds" DROP COLUMN "salt_proof"`);
    await queryRunner.query(`ALTER TABLE "rounds" DROP COLUMN "salt_ref"`);
  }
}
