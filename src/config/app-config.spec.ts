import { AppConfig } from './app-config';
import { ConfigError } from './env-parsers';

describe('AppConfig.fromEnv', () => {
  it('embeds development defaults so the server starts with no environment', () => {
    const config = AppConfig.fromEnv({});
    expect(config).toMatchObject({
      nodeEnv: 'development',
      port: 3000,
      databaseUrl: 'postgres://postgres@127.0.0.1:5432/cash_markets',
      redisUrl: 'redis://127.0.0.1:6379',
      migrateOnStart: true,
      appRole: 'all',
    });
  });

  it('uses the test database under NODE_ENV=test', () => {
    expect(AppConfig.fromEnv({ NODE_ENV: 'test' }).databaseUrl).toContain('/cash_markets_test');
  });

  it('requires DATABASE_URL and REDIS_URL in production and does not migrate by default', () => {
    expect(() => AppConfig.fromEnv({ NODE_ENV: 'production' })).toThrow(/DATABASE_URL is required[\s\S]*REDIS_URL is required/);
    const config = AppConfig.fromEnv({
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://db/x',
      REDIS_URL: 'rediss://cache:6380',
      JWT_SECRET: 'production-secret-production-secret-0123',
    });
    expect(config.migrateOnStart).toBe(false);
    expect(config.logFormat).toBe('json');
  });

  it('collects every problem and names each variable', () => {
    try {
      AppConfig.fromEnv({ PORT: '70000', APP_ROLE: 'boss', DATABASE_URL: 'not a url', DB_MIGRATE_ON_START: 'sometimes' });
      throw new Error('expected a ConfigError');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const problems = (error as ConfigError).problems.join('\n');
      for (const name of ['PORT', 'APP_ROLE', 'DATABASE_URL', 'DB_MIGRATE_ON_START']) expect(problems).toContain(name);
    }
  });

  it('parses lists and booleans', () => {
    const config = AppConfig.fromEnv({ CORS_ORIGINS: 'https://a.example, https://b.example', DB_MIGRATE_ON_START: 'false' });
    expect(config.corsOrigins).toEqual(['https://a.example', 'https://b.example']);
    expect(config.migrateOnStart).toBe(false);
  });
});

describe('AppConfig.fromEnv realtime settings', () => {
  it('defaults to 30 client events per second and both Socket.IO transports', () => {
    const config = AppConfig.fromEnv({});
    expect(config.realtimeEventsPerSecond).toBe(30);
    expect(config.realtimeTransports).toEqual(['polling', 'websocket']);
  });

  it('accepts websocket-only and refuses unknown transports', () => {
    expect(AppConfig.fromEnv({ REALTIME_TRANSPORTS: 'websocket' }).realtimeTransports).toEqual(['websocket']);
    expect(() => AppConfig.fromEnv({ REALTIME_TRANSPORTS: 'websocket,carrier-pigeon' })).toThrow(/REALTIME_TRANSPORTS/);
  });
});
