import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { DomainEventBus } from '../../src/common/events/domain-event-bus';
import { DataSource } from 'typeorm';
import { AssetsService } from '../../src/accounts/assets.service';
import { LedgerService } from '../../src/accounts/ledger.service';
import { AppConfig } from '../../src/config/app-config';
import { dataSourceOptions } from '../../src/database/data-source.options';

export interface LedgerHarness {
  config: AppConfig;
  dataSource: DataSource;
  assets: AssetsService;
  /** The after-commit event bus, subscribed to `dataSource` as DomainEventsModule does (no listeners). */
  events: DomainEventBus;
  /** A LedgerService as the app builds it, on its own pool, without the rest of the app. */
  ledgerWith(overrides?: Record<string, string>): LedgerService;
  createUsers(count: number): Promise<string[]>;
  close(): Promise<void>;
}

/** Opens DATABASE_URL (migrating it) and builds the ledger the way AccountsModule does. */
export async function openLedgerHarness(overrides: Record<string, string> = {}): Promise<LedgerHarness> {
  const config = AppConfig.fromEnv({ ...process.env, ...overrides });
  const dataSource = new DataSource(dataSourceOptions(config));
  await dataSource.initialize();
  await dataSource.runMigrations({ transaction: 'each' });
  const assets = new AssetsService(dataSource);
  await assets.onModuleInit();
  const events = new DomainEventBus(new EventEmitter2(), dataSource);
  return {
    config,
    dataSource,
    assets,
    events,
    ledgerWith: (more = {}) => new LedgerService(dataSource, assets, AppConfig.fromEnv({ ...process.env, ...overrides, ...more }), events),
    async createUsers(count) {
      const rows = (await dataSource.query(`INSERT INTO users (username) SELECT 'bench_' || $1 || '_' || n FROM generate_series(1, $2::int) AS n RETURNING id`, [
        randomBytes(4).toString('hex'),
        count,
      ])) as { id: string }[];
      return rows.map((row) => row.id);
    },
    close: () => dataSource.destroy(),
  };
}
