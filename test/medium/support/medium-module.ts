import { BullModule } from '@nestjs/bullmq';
import { ModuleMetadata, Provider } from '@nestjs/common';
import { EventEmitter2, EventEmitterModule } from '@nestjs/event-emitter';
import { Test, TestingModule } from '@nestjs/testing';
import { DataSource } from 'typeorm';
import { AccountsModule } from '../../../src/accounts/accounts.module';
import { AdminModule } from '../../../src/admin/admin.module';
import { AuthStateBroadcast } from '../../../src/auth/auth-state-broadcast';
import { SessionsService } from '../../../src/auth/sessions.service';
import { UsersService } from '../../../src/auth/users.service';
import { DomainEventsModule } from '../../../src/common/events/domain-events.module';
import { IdempotencyModule } from '../../../src/common/idempotency/idempotency.module';
import { AppConfig } from '../../../src/config/app-config';
import { ConfigModule } from '../../../src/config/config.module';
import { DatabaseModule } from '../../../src/database/database.module';
import { RedisModule } from '../../../src/redis/redis.module';
import { testConfig } from '../../support/test-app';
import { RecordedEvents } from './recorded-events';

export interface MediumModule {
  module: TestingModule;
  config: AppConfig;
  dataSource: DataSource;
  events: RecordedEvents;
  get<T>(type: new (...args: never[]) => T): T;
  close(): Promise<void>;
}

/**
 * The real database (migrated), Redis, the event bus and the ledger, plus one venue's services:
 * a service's rules run against PostgreSQL without booting HTTP, Socket.IO or the other venues.
 */
export async function startMediumModule(venue: { providers: Provider[]; imports?: ModuleMetadata['imports'] }, overrides: Record<string, string> = {}): Promise<MediumModule> {
  const config = testConfig(overrides);
  const module = await Test.createTestingModule({
    imports: [
      ConfigModule.forRoot(config),
      DatabaseModule,
      RedisModule,
      BullModule.forRoot({ connection: { url: config.redisUrl, maxRetriesPerRequest: null }, prefix: `${config.redisKeyPrefix}:bull` }),
      EventEmitterModule.forRoot({ wildcard: false, ignoreErrors: false }),
      DomainEventsModule,
      IdempotencyModule,
      AdminModule,
      AccountsModule,
      ...(venue.imports ?? []),
    ],
    providers: [UsersService, SessionsService, AuthStateBroadcast, ...venue.providers],
  }).compile();
  await module.init();
  const events = new RecordedEvents(module.get(EventEmitter2));
  return {
    module,
    config,
    dataSource: module.get(DataSource),
    events,
    get: (type) => module.get(type),
    close: async () => {
      events.stop();
      await module.close();
    },
  };
}
