import { DynamicModule } from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from '../../src/app.module';
import { AppConfig } from '../../src/config/app-config';
import { createApp } from '../../src/main';
import { TEST_CHAIN } from './test-chain';
import { TEST_ENGINE } from './test-engine';

// Every suite runs from 127.0.0.1 against one Redis prefix, so the production rate limits would
// trip across suites; tests that exercise throttling pass their own limits in `overrides`.
const TEST_RATE_LIMITS = { RATE_LIMIT_AUTH_PER_MINUTE: '1000000', RATE_LIMIT_REFRESH_PER_MINUTE: '1000000', RATE_LIMIT_PER_MINUTE: '1000000' };
// The round engine would tick in every suite's app and share the one-round-at-a-time venue; the
// rounds suites switch it on with their own fast ticks.
const TEST_ROUNDS = { ROUNDS_ENGINE_ENABLED: 'false' };
// Likewise the price feed: one leader for all suites would write prices and candles every suite sees;
// the feed suites switch it on (with a scripted Backpack server, see support/scripted-backpack.ts).
const TEST_FEED = { PRICE_FEED_ENABLED: 'false' };

export function testConfig(overrides: Record<string, string> = {}): AppConfig {
  return AppConfig.fromEnv({ ...TEST_RATE_LIMITS, ...TEST_ROUNDS, ...TEST_FEED, ...TEST_ENGINE, ...TEST_CHAIN, ...process.env, NODE_ENV: 'test', PORT: '0', HOST: '127.0.0.1', ...overrides });
}

export interface RunningApp {
  app: NestExpressApplication;
  url: string;
  config: AppConfig;
  close(): Promise<void>;
}

/** Boots the real application (real PostgreSQL, Redis, migrations) on a free port. */
export async function startTestApp(
  overrides: Record<string, string> = {},
  extraImports: DynamicModule['imports'] = [],
): Promise<RunningApp> {
  const config = testConfig(overrides);
  const root = AppModule.forRoot(config);
  const app = await createApp(config, { ...root, imports: [...(root.imports ?? []), ...(extraImports ?? [])] });
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  return { app, url, config, close: () => app.close() };
}
