import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every AMM trade updates its trader's `market_positions` row, `updated_at` included. With `updated_at` in an index
 * (`IDX_market_positions_user`, user_id + updated_at) no such update could be HOT: each wrote a new entry in all five
 * indexes. A user's positions are found by `IDX_market_positions_user_settled` (user_id first) and sorted by
 * `updated_at` there (a user holds few of them), so the index goes and the trade's update touches no index.
 */
export class MarketPositionsHotUpdates1796597371898 implements MigrationInterface {
  name = 'MarketPositionsHotUpdates1796597371898';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "IDX_market_positions_user"`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX "IDX_market_positions_user" ON "market_positions" ("user_id", "updated_at")`);
  }
}
