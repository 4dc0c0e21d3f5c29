import { Injectable, OnModuleInit } from '@nestjs/common';
import { Test, TestingModule } from '@nestjs/testing';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../../src/config/app-config';
import { ConfigModule } from '../../../src/config/config.module';
import { DatabaseModule } from '../../../src/database/database.module';
import { EngineModule } from '../../../src/engine/engine.module';
import { VenueEngine } from '../../../src/engine/venue-engine.service';
import { RedisModule } from '../../../src/redis/redis.module';
import { testConfig } from '../../support/test-app';
import { CounterVenue } from './counter-venue';

@Injectable()
class CounterVenueRegistration implements OnModuleInit {
  readonly venue = new CounterVenue();

  constructor(private readonly engine: VenueEngine) {}

  onModuleInit(): void {
    this.engine.register(this.venue);
  }
}

export interface EngineInstance {
  module: TestingModule;
  engine: VenueEngine;
  venue: CounterVenue;
  dataSource: DataSource;
  config: AppConfig;
  close(): Promise<void>;
}

/** One engine "instance" (its own pool, Redis connection and VenueEngine) running the counter venue, as a separate process would. */
export async function startEngineInstance(shards: string[], overrides: Record<string, string> = {}): Promise<EngineInstance> {
  const module = await Test.createTestingModule({
    imports: [ConfigModule.forRoot(testConfig({ ENGINE_LEASE_MS: '600', ...overrides })), DatabaseModule, RedisModule, EngineModule],
    providers: [CounterVenueRegistration],
  }).compile();
  const registration = module.get(CounterVenueRegistration);
  registration.venue.listed = shards;
  await module.init();
  return {
    module,
    engine: module.get(VenueEngine),
    venue: registration.venue,
    dataSource: module.get(DataSource),
    config: module.get(AppConfig),
    close: () => module.close(),
  };
}

export async function waitUntil(condition: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
