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

  it('resumes a live round after a development restart of up to 10 minutes, 10 s elsewhere', () => {
    expect(AppConfig.fromEnv({}).roundResumeWindowMs).toBe(600_000);
    expect(AppConfig.fromEnv({ NODE_ENV: 'test' }).roundResumeWindowMs).toBe(10_000);
    expect(AppConfig.fromEnv({ ROUND_RESUME_WINDOW_MS: '10000' }).roundResumeWindowMs).toBe(10_000);
    const production = { NODE_ENV: 'production', DATABASE_URL: 'postgres://db/x', REDIS_URL: 'redis://cache', JWT_SECRET: 'x'.repeat(32) };
    expect(AppConfig.fromEnv(production).roundResumeWindowMs).toBe(10_000);
  });

  it('reads ADMIN_APPROVAL_THRESHOLD and LEDGER_MAX_POSTING (one cap for every asset, or per asset with * for the rest)', () => {
    expect(AppConfig.fromEnv({})).toMatchObject({ adminApprovalThreshold: '10000', ledgerMaxPosting: { '*': '1000000000000' } });
    expect(AppConfig.fromEnv({ LEDGER_MAX_POSTING: 'USDC=1000000, ETH=500' }).ledgerMaxPosting).toEqual({ USDC: '1000000', ETH: '500', '*': '1000000000000' });
    expect(AppConfig.fromEnv({ LEDGER_MAX_POSTING: '5000,ETH=1.5' }).ledgerMaxPosting).toEqual({ '*': '5000', ETH: '1.5' });
    expect(() => AppConfig.fromEnv({ LEDGER_MAX_POSTING: 'usdc=1' })).toThrow(/LEDGER_MAX_POSTING/);
    expect(() => AppConfig.fromEnv({ LEDGER_MAX_POSTING: '0' })).toThrow(/LEDGER_MAX_POSTING/);
    expect(() => AppConfig.fromEnv({ ADMIN_APPROVAL_THRESHOLD: '-1' })).toThrow(/ADMIN_APPROVAL_THRESHOLD/);
    expect(() => AppConfig.fromEnv({ ADMIN_APPROVAL_THRESHOLD: '1e6' })).toThrow(/ADMIN_APPROVAL_THRESHOLD/);
  });

  it('reads ADMIN_APPROVAL_TTL_MS (24 h by default, a minute to a year)', () => {
    expect(AppConfig.fromEnv({}).adminApprovalTtlMs).toBe(86_400_000);
    expect(AppConfig.fromEnv({ ADMIN_APPROVAL_TTL_MS: '3600000' }).adminApprovalTtlMs).toBe(3_600_000);
    for (const bad of ['0', '59999', '1e6', '-1', '1h', String(366 * 86_400_000)]) {
      expect(() => AppConfig.fromEnv({ ADMIN_APPROVAL_TTL_MS: bad })).toThrow(/ADMIN_APPROVAL_TTL_MS must be an integer between 60000 and 31536000000/);
    }
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

  it('reads the price feed with the simulator and four perps by default, and refuses bad symbols and feeds', () => {
    expect(AppConfig.fromEnv({})).toMatchObject({
      priceFeed: 'simulator',
      priceFeedEnabled: true,
      priceFeedSeed: undefined,
      priceFeedIntervalMs: 250,
      backpackWsUrl: 'wss://ws.backpack.exchange',
      feedStaleMs: 5000,
      feedLeaseMs: 5000,
      perpSymbols: ['BTC_USDC_PERP', 'ETH_USDC_PERP', 'SOL_USDC_PERP', 'ADA_USDC_PERP'],
      perpWindDownEnabled: true,
    });
    expect(() => AppConfig.fromEnv({ PERP_SYMBOLS: 'btc_usdc_perp' })).toThrow(/PERP_SYMBOLS/);
    expect(() => AppConfig.fromEnv({ PERP_SYMBOLS: 'BTC_USDC_PERP,BTC_USDC_PERP' })).toThrow(/PERP_SYMBOLS/);
    expect(() => AppConfig.fromEnv({ PRICE_FEED: 'binance' })).toThrow(/PRICE_FEED must be one of simulator, backpack/);
    expect(() => AppConfig.fromEnv({ BACKPACK_WS_URL: 'https://ws.backpack.exchange' })).toThrow(/BACKPACK_WS_URL/);
  });

  it('parses lists and booleans', () => {
    const config = AppConfig.fromEnv({ CORS_ORIGINS: 'https://a.example, https://b.example', DB_MIGRATE_ON_START: 'false' });
    expect(config.corsOrigins).toEqual(['https://a.example', 'https://b.example']);
    expect(config.migrateOnStart).toBe(false);
  });

  it('reads the sign-in settings with development defaults', () => {
    expect(AppConfig.fromEnv({ PUBLIC_URL: 'https://app.example.com' })).toMatchObject({
      siweDomain: 'app.example.com',
      siweChainIds: [1, 8453, 84532, 31337],
      rateLimitAuthPerMinute: 60,
      rateLimitRefreshPerMinute: 60,
      rateLimitPerMinute: 600,
      refreshTokenTtlSeconds: 30 * 24 * 3600,
      magicLinkUrl: 'https://app.example.com/api/v1/auth/email/verify',
    });
    const config = AppConfig.fromEnv({ SIWE_CHAIN_IDS: '8453, 10', ADMIN_WALLETS: '0xAbC', ADMIN_EMAILS: 'Boss@Example.com' });
    expect(config).toMatchObject({ siweChainIds: [8453, 10], adminWallets: ['0xabc'], adminEmails: ['boss@example.com'] });
    expect(() => AppConfig.fromEnv({ SIWE_CHAIN_IDS: 'base' })).toThrow(/SIWE_CHAIN_IDS/);
  });

  it('requires JWT_SECRET in production unless an RS256 key pair is given, and both halves of the pair', () => {
    const production = { NODE_ENV: 'production', DATABASE_URL: 'postgres://db/x', REDIS_URL: 'redis://cache' };
    expect(() => AppConfig.fromEnv(production)).toThrow(/JWT_SECRET is required/);
    const keys = AppConfig.fromEnv({ ...production, JWT_PRIVATE_KEY: 'line1\\nline2', JWT_PUBLIC_KEY: 'pub' });
    expect(keys.jwtPrivateKey).toBe('line1\nline2');
    expect(() => AppConfig.fromEnv({ JWT_PRIVATE_KEY: 'only-half' })).toThrow(/JWT_PRIVATE_KEY and JWT_PUBLIC_KEY must be set together/);
  });
});

describe('AppConfig ledger settings', () => {
  it('grants 1000 USDC to new users outside production and nothing in production', () => {
    expect(AppConfig.fromEnv({}).startingBalance).toBe('1000');
    const production = AppConfig.fromEnv({ NODE_ENV: 'production', DATABASE_URL: 'postgres://db/x', REDIS_URL: 'redis://cache', JWT_SECRET: 'x'.repeat(32) });
    expect(production.startingBalance).toBe('0');
    expect(production.withdrawalChains).toEqual([]);
  });

  it('refuses a malformed starting balance, unknown chains and a retention under 24 hours', () => {
    expect(() => AppConfig.fromEnv({ STARTING_BALANCE: '1e3', WITHDRAWAL_CHAINS: 'dev,moon', IDEMPOTENCY_KEY_TTL_HOURS: '1' })).toThrow(
      /STARTING_BALANCE[\s\S]*IDEMPOTENCY_KEY_TTL_HOURS|IDEMPOTENCY_KEY_TTL_HOURS[\s\S]*STARTING_BALANCE/,
    );
    expect(() => AppConfig.fromEnv({ WITHDRAWAL_CHAINS: 'dev,moon' })).toThrow(/WITHDRAWAL_CHAINS must list only dev, base, evm, aptos/);
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

  it('has round defaults from the issue and refuses inconsistent round limits', () => {
    expect(AppConfig.fromEnv({})).toMatchObject({
      roundsEngineEnabled: true,
      roundCooldownMs: 5000,
      roundTickMs: 250,
      roundResumeWindowMs: 600_000, // development; 10 s under test and production
      roundFeeBps: 100,
      roundSideBetWindow: 40,
      roundSideBetMultiplier: '5',
      roundMaxTicks: 5000,
      roundChainLength: 10000,
    });
    expect(() => AppConfig.fromEnv({ ROUND_MIN_STAKE: '50', ROUND_MAX_STAKE: '10' })).toThrow(/ROUND_MIN_STAKE must not be greater than ROUND_MAX_STAKE/);
    expect(() => AppConfig.fromEnv({ ROUND_MAX_STAKE: '1.1234567' })).toThrow(/ROUND_MAX_STAKE/);
    expect(() => AppConfig.fromEnv({ ROUND_SIDE_BET_MULTIPLIER: '0' })).toThrow(/ROUND_SIDE_BET_MULTIPLIER/);
    expect(() => AppConfig.fromEnv({ ROUND_SIDE_BET_MULTIPLIER: '4.12345' })).toThrow(/ROUND_SIDE_BET_MULTIPLIER/);
  });
});
