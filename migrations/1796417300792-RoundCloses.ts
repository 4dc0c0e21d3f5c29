import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Each settled round's closes, tick 1 first, as big-endian float8s (8 bytes a tick), written by the settlement
 * from round_candles: a strategy backtest reads them instead of regenerating every path from its seed
 * (≈3 ms a round). NULL for rounds settled before this column (or with incomplete candles): the backtest
 * regenerates those.
 */
export class RoundCloses1796417300792 implements MigrationInterface {
  name = 'RoundCloses1796417300792';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "rounds" ADD "closes" bytea`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "rounds" DROP COLUMN "closes"`);
  }
}
