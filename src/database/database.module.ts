import { Global, Logger, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource, DataSourceOptions } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { dataSourceOptions } from './data-source.options';
import { StartupError } from '../common/errors/startup-error';

// Any constant shared by every instance: concurrent boots queue behind one another instead of
// racing to apply the same migration.
const MIGRATION_LOCK_ID = 727_100_001;

/** Opens the pool, failing fast with the target named, then applies pending migrations under a lock. */
async function openDataSource(options: DataSourceOptions & { url?: string }): Promise<DataSource> {
  const logger = new Logger('Database');
  const dataSource = new DataSource({ ...options, migrationsRun: false });
  try {
    await dataSource.initialize();
  } catch (error) {
    const target = new URL(options.url ?? 'postgres://unknown');
    throw new StartupError(
      `Cannot connect to PostgreSQL at ${target.hostname}:${target.port || 5432}${target.pathname} (DATABASE_URL): ${(error as Error).message}`,
    );
  }
  if (options.migrationsRun) {
    const runner = dataSource.createQueryRunner();
    try {
      await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
      const applied = await dataSource.runMigrations({ transaction: 'each' });
      if (applied.length > 0) logger.log(`Applied migrations: ${applied.map((m) => m.name).join(', ')}`);
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]).catch(() => undefined);
      await runner.release();
    }
  }
  return dataSource;
}

@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [AppConfig],
      // migrationsRun carries DB_MIGRATE_ON_START to the factory, which applies them itself under a lock.
      useFactory: (config: AppConfig) => ({
        ...dataSourceOptions(config),
        migrationsRun: config.migrateOnStart,
        retryAttempts: 0,
      }),
      dataSourceFactory: async (options) => {
        if (!options) throw new StartupError('Database options missing');
        return openDataSource(options as DataSourceOptions & { url?: string });
      },
    }),
  ],
})
export class DatabaseModule {}
