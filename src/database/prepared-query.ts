import type { EntityManager } from 'typeorm';

/** A node-postgres client, as TypeORM's PostgreSQL query runner holds it. */
interface PgClient {
  query<Row>(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: Row[] }>;
}

/**
 * Runs `text` on the manager's connection (inside its transaction) as the named prepared statement `name`: parsed and
 * planned once per connection instead of on every call, for the statements a hot path sends on every batch. `name`
 * must always go with the same `text`. Needs a manager bound to a query runner (a transaction's).
 */
export async function preparedQuery<Row>(manager: EntityManager, name: string, text: string, values: unknown[]): Promise<Row[]> {
  if (!manager.queryRunner) throw new Error(`preparedQuery(${name}) needs the EntityManager of a transaction`);
  const client = (await manager.queryRunner.connect()) as PgClient;
  return (await client.query<Row>({ name, text, values })).rows;
}
