import { ConfigError, Env, EnvReader } from './env-parsers';

export const NODE_ENVS = ['development', 'test', 'production'] as const;
export type NodeEnv = (typeof NODE_ENVS)[number];

export const APP_ROLES = ['api', 'worker', 'engine', 'all'] as const;
export type AppRole = (typeof APP_ROLES)[number];

export const REALTIME_TRANSPORTS = ['polling', 'websocket'] as const;
export type RealtimeTransport = (typeof REALTIME_TRANSPORTS)[number];

/**
 * The whole typed configuration, validated once at boot. Injected by class token;
 * nothing outside `src/config` reads `process.env`.
 */
export class AppConfig {
  readonly nodeEnv!: NodeEnv;
  readonly appRole!: AppRole;
  readonly host!: string;
  readonly port!: number;
  readonly publicUrl!: string;
  readonly corsOrigins!: string[];
  readonly logLevel!: 'debug' | 'info' | 'warn' | 'error';
  readonly logFormat!: 'json' | 'pretty';
  readonly databaseUrl!: string;
  readonly databaseSsl!: boolean;
  readonly databasePoolSize!: number;
  readonly databaseConnectTimeoutMs!: number;
  readonly migrateOnStart!: boolean;
  readonly redisUrl!: string;
  readonly redisKeyPrefix!: string;
  readonly shutdownTimeoutMs!: number;
  readonly jwtSecret!: string;
  readonly accessTokenTtlSeconds!: number;
  readonly authCookieName!: string;
  readonly authStateCacheMs!: number;
  readonly realtimeEventsPerSecond!: number;
  readonly realtimeRateLimitStrikes!: number;
  readonly realtimeRecoveryWindowMs!: number;
  readonly realtimeTransports!: RealtimeTransport[];

  get isProduction(): boolean {
    return this.nodeEnv === 'production';
  }

  static fromEnv(env: Env): AppConfig {
    const read = new EnvReader(env);
    const nodeEnv = read.oneOf('NODE_ENV', NODE_ENVS, 'development');
    const production = nodeEnv === 'production';
    const defaultDatabase = nodeEnv === 'test' ? 'cash_markets_test' : 'cash_markets';
    const port = read.integer('PORT', 3000, { min: 0, max: 65535 });

    const values: Omit<AppConfig, 'isProduction'> = {
      nodeEnv,
      appRole: read.oneOf('APP_ROLE', APP_ROLES, 'all'),
      host: read.string('HOST', '0.0.0.0'),
      port,
      publicUrl: read.url('PUBLIC_URL', ['http:', 'https:'], `http://localhost:${port}`),
      corsOrigins: read.list('CORS_ORIGINS', production ? [] : ['*']),
      logLevel: read.oneOf('LOG_LEVEL', ['debug', 'info', 'warn', 'error'] as const, nodeEnv === 'test' ? 'warn' : 'info'),
      logFormat: read.oneOf('LOG_FORMAT', ['json', 'pretty'] as const, production ? 'json' : 'pretty'),
      databaseUrl: read.url(
        'DATABASE_URL',
        ['postgres:', 'postgresql:'],
        production ? undefined : `postgres://postgres@127.0.0.1:5432/${defaultDatabase}`,
      ),
      databaseSsl: read.boolean('DATABASE_SSL', false),
      databasePoolSize: read.integer('DATABASE_POOL_SIZE', 20, { min: 1, max: 500 }),
      databaseConnectTimeoutMs: read.integer('DATABASE_CONNECT_TIMEOUT_MS', 5000, { min: 100, max: 120000 }),
      migrateOnStart: read.boolean('DB_MIGRATE_ON_START', !production),
      redisUrl: read.url('REDIS_URL', ['redis:', 'rediss:'], production ? undefined : 'redis://127.0.0.1:6379'),
      redisKeyPrefix: read.string('REDIS_KEY_PREFIX', nodeEnv === 'test' ? 'cm-test' : 'cm'),
      shutdownTimeoutMs: read.integer('SHUTDOWN_TIMEOUT_MS', 15000, { min: 0, max: 600000 }),
      jwtSecret: read.string('JWT_SECRET', production ? undefined : 'dev-only-jwt-secret-change-me-0123456789abcdef'),
      accessTokenTtlSeconds: read.integer('ACCESS_TOKEN_TTL_SECONDS', 900, { min: 30, max: 86400 }),
      authCookieName: read.string('AUTH_COOKIE_NAME', 'cm_access_token'),
      authStateCacheMs: read.integer('AUTH_STATE_CACHE_MS', 2000, { min: 0, max: 60000 }),
      realtimeEventsPerSecond: read.integer('REALTIME_EVENTS_PER_SECOND', 30, { min: 1, max: 10000 }),
      realtimeRateLimitStrikes: read.integer('REALTIME_RATE_LIMIT_STRIKES', 3, { min: 1, max: 1000 }),
      realtimeRecoveryWindowMs: read.integer('REALTIME_RECOVERY_WINDOW_MS', 120000, { min: 0, max: 3600000 }),
      realtimeTransports: read.list('REALTIME_TRANSPORTS', [...REALTIME_TRANSPORTS]) as RealtimeTransport[],
    };
    const unknownTransports = values.realtimeTransports.filter((t) => !REALTIME_TRANSPORTS.includes(t));
    if (unknownTransports.length > 0 || values.realtimeTransports.length === 0) {
      read.problems.push(`REALTIME_TRANSPORTS must list ${REALTIME_TRANSPORTS.join(' and/or ')} (got "${values.realtimeTransports.join(',')}")`);
    }
    if (values.jwtSecret && values.jwtSecret.length < 32) read.problems.push('JWT_SECRET must be at least 32 characters');

    if (read.problems.length > 0) throw new ConfigError(read.problems);
    return Object.assign(new AppConfig(), values);
  }
}
