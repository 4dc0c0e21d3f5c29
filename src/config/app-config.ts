import { amountShapeProblem, parseAmount } from '../common/money/amount';
import { USDC_DECIMALS } from '../common/money/usdc';
import { ChainSettings, readChainSettings } from './chain-config';
import { CreatorSettings, readCreatorSettings } from './creator-config';
import { NotificationSettings, readNotificationSettings } from './notification-config';
import { AnalyticsSettings, readAnalyticsSettings } from './analytics-config';
import { readStrategySettings, StrategySettings } from './strategy-config';
import { ConfigError, Env, EnvReader } from './env-parsers';

export const NODE_ENVS = ['development', 'test', 'production'] as const;
export type NodeEnv = (typeof NODE_ENVS)[number];

export const KNOWN_CHAINS = ['dev', 'base', 'evm', 'aptos'] as const;
export type ChainName = (typeof KNOWN_CHAINS)[number];

export const APP_ROLES = ['api', 'worker', 'engine', 'all'] as const;
export type AppRole = (typeof APP_ROLES)[number];

export const PRICE_FEEDS = ['simulator', 'backpack'] as const;
export type PriceFeedKind = (typeof PRICE_FEEDS)[number];

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
  /** Longest any command on the shared Redis connection waits (queued while reconnecting included) before it fails, answered 503. */
  readonly redisCommandTimeoutMs!: number;
  readonly shutdownTimeoutMs!: number;
  readonly trustProxyHops!: number;
  readonly jwtSecret!: string;
  readonly accessTokenTtlSeconds!: number;
  readonly authCookieName!: string;
  readonly authStateCacheMs!: number;
  /** PEM key pair for RS256 access tokens; when both are set they replace JWT_SECRET (HS256). */
  readonly jwtPrivateKey!: string | undefined;
  readonly jwtPublicKey!: string | undefined;
  readonly refreshTokenTtlSeconds!: number;
  readonly siweDomain!: string;
  readonly siweChainIds!: number[];
  readonly adminWallets!: string[];
  readonly adminEmails!: string[];
  readonly smtpUrl!: string | undefined;
  readonly smtpFrom!: string;
  readonly magicLinkUrl!: string;
  /** Sign-in attempts (nonces, proofs, email links, linking) per client IP and minute. */
  readonly rateLimitAuthPerMinute!: number;
  /** Token refreshes per client IP and minute. */
  readonly rateLimitRefreshPerMinute!: number;
  /** Every other API request, per signed-in user (per client IP when anonymous) and minute. */
  readonly rateLimitPerMinute!: number;
  /** Decimal string in the settlement asset (USDC) granted once to each new user from `promotions`. */
  readonly startingBalance!: string;
  /**
   * Decimal string, in the moved asset's units (USDC for subsidies): an admin adjustment, withdrawal approval or
   * house market subsidy above it waits for a second admin's approval.
   */
  readonly adminApprovalThreshold!: string;
  /** How long a PENDING approval may wait for the second admin; older, it reads EXPIRED and can no longer be approved. */
  readonly adminApprovalTtlMs!: number;
  /** Largest single ledger movement per asset, as a decimal string; `*` is every asset not named. */
  readonly ledgerMaxPosting!: Record<string, string>;
  /** Rows each sharded system account (house, fees, promotions) is spread over, so trades do not queue on one row. */
  readonly ledgerSystemShards!: number;
  /** Chains a withdrawal may name (default: the configured EVM chain and Aptos). */
  readonly withdrawalChains!: ChainName[];
  /** On-chain money and salts (src/config/chain-config.ts): the EVM chain, Aptos, the salt source, withdrawal rules. */
  readonly chains!: ChainSettings;
  /** How long a repeated Idempotency-Key waits for the first request to finish before answering 409. */
  readonly idempotencyWaitMs!: number;
  /** How long a finished Idempotency-Key is remembered (at least 24 h). */
  readonly idempotencyKeyTtlHours!: number;
  readonly realtimeEventsPerSecond!: number;
  readonly realtimeRateLimitStrikes!: number;
  readonly realtimeRecoveryWindowMs!: number;
  readonly realtimeTransports!: RealtimeTransport[];
  /** Rounds: the ticking engine runs on APP_ROLE engine/all only when this is true. */
  readonly roundsEngineEnabled!: boolean;
  /** PENDING cooldown before a round starts, with a countdown. */
  readonly roundCooldownMs!: number;
  /** Default candle interval of new rounds (admin config may change it for future rounds). */
  readonly roundTickMs!: number;
  /** The least a tick's hooks (the strategy runner's stakes) are waited for before the next tick. */
  readonly roundTickHookBudgetMs!: number;
  /** A new leader resumes a round whose last persisted tick is younger than this; older rounds are VOIDED. */
  readonly roundResumeWindowMs!: number;
  /** Lifetime of the ticking leader's Redis lease; the leader renews it every tick. */
  readonly roundLeaseMs!: number;
  readonly roundFeeBps!: number;
  /** USDC decimal strings: the limits of one position or side bet amount. */
  readonly roundMinStake!: string;
  readonly roundMaxStake!: string;
  readonly roundSideBetWindow!: number;
  /** Decimal multiplier with at most 4 decimals, stake included. */
  readonly roundSideBetMultiplier!: string;
  /** cm-v1 `maxTicks` of new rounds (the other path parameters are the published defaults). */
  readonly roundMaxTicks!: number;
  /** Length L of each new seed hash chain. */
  readonly roundChainLength!: number;
  // Venue engine
  /** Run the venue engine's shard leaders on APP_ROLE engine/all; submitting commands works on every instance regardless. */
  readonly engineEnabled!: boolean;
  /** Lifetime of a shard leader's Redis lease (renewed every third of it): a dead leader is replaced after at most this. */
  readonly engineLeaseMs!: number;
  /** How long a leader waits for more commands before committing a batch that is not full. */
  readonly engineBatchMs!: number;
  /** Commands applied and committed in one transaction at most. */
  readonly engineBatchSize!: number;
  /**
   * Batches of one shard in flight at once: the next batch is applied (when the venue allows it) while the previous
   * commits, and commits after it. 1 = one batch at a time.
   */
  readonly enginePipelineDepth!: number;
  /** How long `submit` waits for the leader's answer before refusing with a retryable 503 EngineUnavailable. */
  readonly engineReplyTimeoutMs!: number;
  /**
   * How long a committed command's outcome stays in engine_commands (its id deduplicated); older rows are pruned.
   * At least IDEMPOTENCY_KEY_TTL_HOURS, which is also the default: a retry within a key's lifetime must not apply twice.
   */
  readonly engineCommandRetentionMs!: number;
  /** Prediction-market trading fee in basis points of the traded amount, fixed on each market at creation. */
  readonly marketFeeBps!: number;
  /** Fee of a resting (maker) order's fills in basis points on prediction markets; takers pay the market's fee. */
  readonly makerFeeBps!: number;
  /** Share of that fee (basis points) paid to the market's creator when a user with the `creator` role made it. */
  readonly creatorFeeShareBps!: number;
  /** Positions paid per transaction when a market is resolved or cancelled. */
  readonly marketSettlementBatchSize!: number;
  /** How long a cached page of the market list lives in Redis (it is also dropped on every change). */
  readonly marketListCacheTtlSeconds!: number;
  /** Create a few demo markets at boot when there are none (development default). */
  readonly seedDemoMarkets!: boolean;
  /** Attempts of each market-close and market-resolution job before it is left failed (the minute sweep retries failed ones). */
  readonly marketJobAttempts!: number;
  /** First retry delay of those jobs (exponential backoff from there). */
  readonly marketJobBackoffMs!: number;
  /** Creator shares and dividends (src/config/creator-config.ts). */
  readonly creators!: CreatorSettings;
  /** Notifications and their email digests (src/config/notification-config.ts). */
  readonly notifications!: NotificationSettings;
  /** Statistics and leaderboards (src/config/analytics-config.ts). */
  readonly analytics!: AnalyticsSettings;
  /** Strategy backtests (src/config/strategy-config.ts). */
  readonly strategies!: StrategySettings;
  // Price feed (src/trades/feed)
  /** Where perp prices come from: the seeded simulator (no network) or Backpack's public bookTicker stream. */
  readonly priceFeed!: PriceFeedKind;
  /** The feed runs (on one APP_ROLE engine/all instance at a time, under a lease) only when this is true. */
  readonly priceFeedEnabled!: boolean;
  /** Seed of the simulator's random walks; unset, each leader draws a random one. */
  readonly priceFeedSeed!: string | undefined;
  /** The simulator's update interval. */
  readonly priceFeedIntervalMs!: number;
  readonly backpackWsUrl!: string;
  /** A symbol with no update for this long is stale: trading on it is refused (PriceFeedStale). */
  readonly feedStaleMs!: number;
  /** Lifetime of the feed leader's Redis lease (renewed every third of it). */
  readonly feedLeaseMs!: number;
  /** The perpetual symbols the feed follows and the venue lists, Backpack's names (`BTC_USDC_PERP`). */
  readonly perpSymbols!: string[];
  /**
   * A catalogue symbol removed from PERP_SYMBOLS with positions or orders still open keeps its shard and its feed until
   * nothing is open on it (PerpSymbols). Off, such positions and orders are 409 SymbolNotTraded until it is listed again.
   */
  readonly perpWindDownEnabled!: boolean;
  /** 1m candles older than this many days are deleted by the feed leader (hourly); the 24 h ticker needs at least 2. */
  readonly candle1mRetentionDays!: number;
  // Perps: defaults of the perps catalogue (`perp_markets`); an admin changes a symbol's row afterwards.
  /** Highest leverage a new symbol allows (integer, 1..1000). */
  readonly maxLeverage!: number;
  /** Taker fee of a new symbol, basis points of the notional, on open and on a non-liquidation close. */
  readonly takerFeeBps!: number;
  /** Maintenance margin of a new symbol, basis points of the notional: at or below it a position is liquidated. */
  readonly maintenanceMarginBps!: number;
  /** USDC decimal string: the smallest margin a new symbol accepts. */
  readonly minMargin!: string;

  get isProduction(): boolean {
    return this.nodeEnv === 'production';
  }

  static fromEnv(env: Env): AppConfig {
    const read = new EnvReader(env);
    const nodeEnv = read.oneOf('NODE_ENV', NODE_ENVS, 'development');
    const production = nodeEnv === 'production';
    const defaultDatabase = nodeEnv === 'test' ? 'cash_markets_test' : 'cash_markets';
    const port = read.integer('PORT', 3000, { min: 0, max: 65535 });
    const publicUrl = read.url('PUBLIC_URL', ['http:', 'https:'], `http://localhost:${port}`);

    const chains = readChainSettings(read, production);
    const configuredChains = [chains.evm?.name, chains.aptos ? 'aptos' : undefined].filter((name): name is ChainName => name !== undefined);
    const values: Omit<AppConfig, 'isProduction'> = {
      nodeEnv,
      appRole: read.oneOf('APP_ROLE', APP_ROLES, 'all'),
      host: read.string('HOST', '0.0.0.0'),
      port,
      publicUrl,
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
      redisCommandTimeoutMs: read.integer('REDIS_COMMAND_TIMEOUT_MS', 2000, { min: 50, max: 60_000 }),
      shutdownTimeoutMs: read.integer('SHUTDOWN_TIMEOUT_MS', 15000, { min: 0, max: 600000 }),
      trustProxyHops: read.integer('TRUST_PROXY_HOPS', production ? 1 : 0, { min: 0, max: 10 }),
      jwtSecret: read.string('JWT_SECRET', production ? (env.JWT_PRIVATE_KEY ? '' : undefined) : 'dev-only-jwt-secret-change-me-0123456789abcdef'),
      accessTokenTtlSeconds: read.integer('ACCESS_TOKEN_TTL_SECONDS', 900, { min: 30, max: 86400 }),
      authCookieName: read.string('AUTH_COOKIE_NAME', 'cm_access_token'),
      authStateCacheMs: read.integer('AUTH_STATE_CACHE_MS', 2000, { min: 0, max: 60000 }),
      jwtPrivateKey: pem(read.optionalString('JWT_PRIVATE_KEY')),
      jwtPublicKey: pem(read.optionalString('JWT_PUBLIC_KEY')),
      refreshTokenTtlSeconds: read.integer('REFRESH_TOKEN_TTL_SECONDS', 30 * 24 * 3600, { min: 60, max: 365 * 24 * 3600 }),
      siweDomain: read.string('SIWE_DOMAIN', hostOf(publicUrl)),
      siweChainIds: chainIds(read, production ? ['8453'] : ['1', '8453', '84532', '31337']),
      adminWallets: read.list('ADMIN_WALLETS').map((address) => address.toLowerCase()),
      adminEmails: read.list('ADMIN_EMAILS').map((email) => email.toLowerCase()),
      smtpUrl: read.optionalString('SMTP_URL'),
      smtpFrom: read.string('SMTP_FROM', 'Cash Markets <no-reply@cash-markets.local>'),
      magicLinkUrl: read.url('MAGIC_LINK_URL', ['http:', 'https:'], `${publicUrl.replace(/\/$/, '')}/api/v1/auth/email/verify`),
      rateLimitAuthPerMinute: read.integer('RATE_LIMIT_AUTH_PER_MINUTE', 60, { min: 1, max: 1_000_000 }),
      rateLimitRefreshPerMinute: read.integer('RATE_LIMIT_REFRESH_PER_MINUTE', 60, { min: 1, max: 1_000_000 }),
      rateLimitPerMinute: read.integer('RATE_LIMIT_PER_MINUTE', 600, { min: 1, max: 1_000_000 }),
      startingBalance: read.string('STARTING_BALANCE', production ? '0' : '1000'),
      adminApprovalThreshold: read.string('ADMIN_APPROVAL_THRESHOLD', '10000'),
      adminApprovalTtlMs: read.integer('ADMIN_APPROVAL_TTL_MS', DAY_MS, { min: 60_000, max: 365 * DAY_MS }),
      ledgerMaxPosting: postingCaps(read, read.list('LEDGER_MAX_POSTING', ['1000000000000'])),
      ledgerSystemShards: read.integer('LEDGER_SYSTEM_SHARDS', 32, { min: 1, max: 256 }),
      withdrawalChains: read.list('WITHDRAWAL_CHAINS', configuredChains) as ChainName[],
      chains,
      idempotencyWaitMs: read.integer('IDEMPOTENCY_WAIT_MS', 10000, { min: 0, max: 120000 }),
      idempotencyKeyTtlHours: read.integer('IDEMPOTENCY_KEY_TTL_HOURS', 24, { min: 24, max: 24 * 90 }),
      realtimeEventsPerSecond: read.integer('REALTIME_EVENTS_PER_SECOND', 30, { min: 1, max: 10000 }),
      realtimeRateLimitStrikes: read.integer('REALTIME_RATE_LIMIT_STRIKES', 3, { min: 1, max: 1000 }),
      realtimeRecoveryWindowMs: read.integer('REALTIME_RECOVERY_WINDOW_MS', 120000, { min: 0, max: 3600000 }),
      realtimeTransports: read.list('REALTIME_TRANSPORTS', [...REALTIME_TRANSPORTS]) as RealtimeTransport[],
      roundsEngineEnabled: read.boolean('ROUNDS_ENGINE_ENABLED', true),
      roundCooldownMs: read.integer('ROUND_COOLDOWN_MS', 5000, { min: 0, max: 3_600_000 }),
      roundTickMs: read.integer('ROUND_TICK_MS', 250, { min: 5, max: 60_000 }),
      roundTickHookBudgetMs: read.integer('ROUND_TICK_HOOK_BUDGET_MS', 500, { min: 0, max: 60_000 }),
      // In development a restart (`npm run demo` builds first) takes longer than 10 s; resuming beats voiding there.
      roundResumeWindowMs: read.integer('ROUND_RESUME_WINDOW_MS', nodeEnv === 'development' ? 600_000 : 10_000, { min: 0, max: 3_600_000 }),
      roundLeaseMs: read.integer('ROUND_LEASE_MS', 3000, { min: 100, max: 600_000 }),
      roundFeeBps: read.integer('ROUND_FEE_BPS', 100, { min: 0, max: 5000 }),
      roundMinStake: read.string('ROUND_MIN_STAKE', '0.1'),
      roundMaxStake: read.string('ROUND_MAX_STAKE', '1000'),
      roundSideBetWindow: read.integer('ROUND_SIDE_BET_WINDOW', 40, { min: 1, max: 100_000 }),
      roundSideBetMultiplier: read.string('ROUND_SIDE_BET_MULTIPLIER', '5'),
      roundMaxTicks: read.integer('ROUND_MAX_TICKS', 5000, { min: 1, max: 1_000_000 }),
      roundChainLength: read.integer('ROUND_CHAIN_LENGTH', 10_000, { min: 1, max: 10_000_000 }),
      // Venue engine
      engineEnabled: read.boolean('ENGINE_ENABLED', true),
      engineLeaseMs: read.integer('ENGINE_LEASE_MS', 5000, { min: 100, max: 600_000 }),
      engineBatchMs: read.integer('ENGINE_BATCH_MS', 2, { min: 0, max: 1000 }),
      engineBatchSize: read.integer('ENGINE_BATCH_SIZE', 256, { min: 1, max: 10_000 }),
      enginePipelineDepth: read.integer('ENGINE_PIPELINE_DEPTH', 2, { min: 1, max: 8 }),
      engineReplyTimeoutMs: read.integer('ENGINE_REPLY_TIMEOUT_MS', 10_000, { min: 10, max: 600_000 }),
      engineCommandRetentionMs: read.integer('ENGINE_COMMAND_RETENTION_MS', idempotencyKeyLifetimeMs(env), { min: 60_000, max: 365 * DAY_MS }),
      marketFeeBps: read.integer('MARKET_FEE_BPS', 100, { min: 0, max: 10000 }),
      makerFeeBps: read.integer('MAKER_FEE_BPS', 0, { min: 0, max: 10000 }),
      creatorFeeShareBps: read.integer('CREATOR_FEE_SHARE_BPS', 2000, { min: 0, max: 10000 }),
      marketSettlementBatchSize: read.integer('MARKET_SETTLEMENT_BATCH_SIZE', 500, { min: 1, max: 10000 }),
      marketListCacheTtlSeconds: read.integer('MARKET_LIST_CACHE_TTL_SECONDS', 30, { min: 1, max: 3600 }),
      seedDemoMarkets: read.boolean('SEED_DEMO_MARKETS', nodeEnv === 'development'),
      marketJobAttempts: read.integer('MARKET_JOB_ATTEMPTS', 10, { min: 1, max: 100 }),
      marketJobBackoffMs: read.integer('MARKET_JOB_BACKOFF_MS', 1000, { min: 1, max: 3_600_000 }),
      creators: readCreatorSettings(read),
      notifications: readNotificationSettings(read),
      analytics: readAnalyticsSettings(read),
      strategies: readStrategySettings(read),
      // Price feed
      priceFeed: read.oneOf('PRICE_FEED', PRICE_FEEDS, 'simulator'),
      priceFeedEnabled: read.boolean('PRICE_FEED_ENABLED', true),
      priceFeedSeed: read.optionalString('PRICE_FEED_SEED'),
      priceFeedIntervalMs: read.integer('PRICE_FEED_INTERVAL_MS', 250, { min: 10, max: 60_000 }),
      backpackWsUrl: read.url('BACKPACK_WS_URL', ['ws:', 'wss:'], 'wss://ws.backpack.exchange'),
      feedStaleMs: read.integer('FEED_STALE_MS', 5000, { min: 100, max: 3_600_000 }),
      feedLeaseMs: read.integer('FEED_LEASE_MS', 5000, { min: 100, max: 600_000 }),
      perpSymbols: read.list('PERP_SYMBOLS', ['BTC_USDC_PERP', 'ETH_USDC_PERP', 'SOL_USDC_PERP', 'ADA_USDC_PERP']),
      perpWindDownEnabled: read.boolean('PERP_WIND_DOWN_ENABLED', true),
      candle1mRetentionDays: read.integer('CANDLE_1M_RETENTION_DAYS', 30, { min: 2, max: 3650 }),
      // Perps
      maxLeverage: read.integer('MAX_LEVERAGE', 100, { min: 1, max: 1000 }),
      takerFeeBps: read.integer('TAKER_FEE_BPS', 5, { min: 0, max: 1000 }),
      maintenanceMarginBps: read.integer('MAINTENANCE_MARGIN_BPS', 50, { min: 0, max: 5000 }),
      minMargin: read.string('MIN_MARGIN', '1'),
    };
    // Perps
    const minMarginProblem = amountShapeProblem(values.minMargin, 'positive', USDC_DECIMALS);
    if (minMarginProblem) read.problems.push(`MIN_MARGIN ${minMarginProblem} (got "${values.minMargin}")`);
    if (values.maxLeverage * values.maintenanceMarginBps >= 10_000) {
      read.problems.push(`MAX_LEVERAGE × MAINTENANCE_MARGIN_BPS must stay below 10000 (got ${values.maxLeverage} × ${values.maintenanceMarginBps}): a position would open liquidated`);
    }
    const startingBalanceProblem = amountShapeProblem(values.startingBalance, 'nonNegative', USDC_DECIMALS);
    if (startingBalanceProblem) read.problems.push(`STARTING_BALANCE ${startingBalanceProblem} (got "${values.startingBalance}")`);
    const approvalProblem = amountShapeProblem(values.adminApprovalThreshold, 'nonNegative', USDC_DECIMALS);
    if (approvalProblem) read.problems.push(`ADMIN_APPROVAL_THRESHOLD ${approvalProblem} (got "${values.adminApprovalThreshold}")`);
    const unknownChains = values.withdrawalChains.filter((chain) => !(KNOWN_CHAINS as readonly string[]).includes(chain));
    if (unknownChains.length > 0) read.problems.push(`WITHDRAWAL_CHAINS must list only ${KNOWN_CHAINS.join(', ')} (got "${unknownChains.join(', ')}")`);
    for (const [name, value] of [
      ['ROUND_MIN_STAKE', values.roundMinStake],
      ['ROUND_MAX_STAKE', values.roundMaxStake],
    ] as const) {
      const problem = amountShapeProblem(value, 'positive', USDC_DECIMALS);
      if (problem) read.problems.push(`${name} ${problem} (got "${value}")`);
    }
    if (!amountShapeProblem(values.roundMinStake, 'positive', USDC_DECIMALS) && !amountShapeProblem(values.roundMaxStake, 'positive', USDC_DECIMALS)) {
      if (parseAmount(values.roundMinStake, { decimals: USDC_DECIMALS }) > parseAmount(values.roundMaxStake, { decimals: USDC_DECIMALS })) read.problems.push('ROUND_MIN_STAKE must not be greater than ROUND_MAX_STAKE');
    }
    if (!/^(0|[1-9][0-9]*)(\.[0-9]{1,4})?$/.test(values.roundSideBetMultiplier) || /^0(\.0*)?$/.test(values.roundSideBetMultiplier)) {
      read.problems.push(`ROUND_SIDE_BET_MULTIPLIER must be a positive decimal with at most 4 decimals (got "${values.roundSideBetMultiplier}")`);
    }
    if (Boolean(values.jwtPrivateKey) !== Boolean(values.jwtPublicKey)) read.problems.push('JWT_PRIVATE_KEY and JWT_PUBLIC_KEY must be set together');
    const unknownTransports = values.realtimeTransports.filter((t) => !REALTIME_TRANSPORTS.includes(t));
    if (unknownTransports.length > 0 || values.realtimeTransports.length === 0) {
      read.problems.push(`REALTIME_TRANSPORTS must list ${REALTIME_TRANSPORTS.join(' and/or ')} (got "${values.realtimeTransports.join(',')}")`);
    }
    const badSymbols = values.perpSymbols.filter((symbol) => !/^[A-Z0-9]{1,20}(_[A-Z0-9]{1,20}){1,3}$/.test(symbol));
    if (values.perpSymbols.length === 0 || badSymbols.length > 0 || new Set(values.perpSymbols).size !== values.perpSymbols.length) {
      read.problems.push(`PERP_SYMBOLS must list distinct upper-case symbols like BTC_USDC_PERP (got "${values.perpSymbols.join(',')}")`);
    }
    // Venue engine
    if (values.engineCommandRetentionMs < values.idempotencyKeyTtlHours * HOUR_MS) {
      read.problems.push(
        `ENGINE_COMMAND_RETENTION_MS must be at least IDEMPOTENCY_KEY_TTL_HOURS (${values.idempotencyKeyTtlHours} h = ${values.idempotencyKeyTtlHours * HOUR_MS} ms; got ${values.engineCommandRetentionMs}): a retry within a key's lifetime would be applied again`,
      );
    }
    if (values.jwtSecret && values.jwtSecret.length < 32) read.problems.push('JWT_SECRET must be at least 32 characters');

    if (read.problems.length > 0) throw new ConfigError(read.problems);
    return Object.assign(new AppConfig(), values);
  }
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** IDEMPOTENCY_KEY_TTL_HOURS in ms, the default retention of engine_commands (24 h when it is unset or invalid: its own check reports that). */
function idempotencyKeyLifetimeMs(env: Env): number {
  const hours = Number(env.IDEMPOTENCY_KEY_TTL_HOURS ?? 24);
  return Number.isInteger(hours) && hours >= 24 ? hours * HOUR_MS : DAY_MS;
}

/** Keys in environment variables often arrive with literal "\\n" for line breaks. */
function pem(value: string | undefined): string | undefined {
  return value?.replace(/\\n/g, '\n');
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'localhost';
  }
}

function chainIds(read: EnvReader, fallback: string[]): number[] {
  const ids = read.list('SIWE_CHAIN_IDS', fallback);
  if (ids.some((id) => !/^[1-9]\d{0,15}$/.test(id))) read.problems.push(`SIWE_CHAIN_IDS must be comma-separated positive integers (got "${ids.join(',')}")`);
  return ids.map(Number);
}

/**
 * LEDGER_MAX_POSTING: `1000000000000` (every asset) or `USDC=1000000,ETH=500,*=1000000000000` (per asset code;
 * `*` or a bare amount for the rest). Amounts are positive decimals in the asset's units.
 */
function postingCaps(read: EnvReader, items: string[]): Record<string, string> {
  const caps: Record<string, string> = {};
  for (const item of items) {
    const [asset, amount] = item.includes('=') ? item.split('=', 2).map((part) => part.trim()) : ['*', item];
    if (!/^(\*|[A-Z0-9]{2,16})$/.test(asset) || amountShapeProblem(amount, 'positive', 18)) {
      read.problems.push(`LEDGER_MAX_POSTING entries must be a positive decimal or ASSET=decimal (got "${item}")`);
      continue;
    }
    caps[asset] = amount;
  }
  if (!caps['*']) caps['*'] = '1000000000000';
  return caps;
}
