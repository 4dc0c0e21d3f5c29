import { EnvReader } from './env-parsers';

const DAY_SECONDS = 86_400;

/** Creator shares and their dividends (src/creators). */
export interface CreatorSettings {
  /** The k-th share is worth k² / curveDivisor USDC. */
  curveDivisor: number;
  /** Fee to the creator on every share buy and sell, basis points of the curve value. */
  shareFeeBps: number;
  /** Fee to `fees` on every share buy and sell, basis points of the curve value. */
  platformShareFeeBps: number;
  /** Bought shares cannot be sold for this long. */
  shareLockSeconds: number;
  /** Of every fee share a creator earns (their markets, their share trades), this part goes to their dividend pool. */
  dividendShareBps: number;
  /** When the dividend job is enqueued (UTC): by default right after each period ends. */
  dividendCron: string;
  /** Length of a dividend period; periods start at UTC midnight and divide the day (a day by default, seconds in tests). */
  dividendPeriodSeconds: number;
  /** Holders paid per transaction by the dividend job. */
  dividendBatchSize: number;
}

export function readCreatorSettings(read: EnvReader): CreatorSettings {
  const settings: CreatorSettings = {
    curveDivisor: read.integer('CREATOR_CURVE_DIVISOR', 16_000, { min: 1, max: 1_000_000_000 }),
    shareFeeBps: read.integer('CREATOR_SHARE_FEE_BPS', 500, { min: 0, max: 5000 }),
    platformShareFeeBps: read.integer('PLATFORM_SHARE_FEE_BPS', 500, { min: 0, max: 5000 }),
    shareLockSeconds: read.integer('CREATOR_SHARE_LOCK_SECONDS', DAY_SECONDS, { min: 0, max: 365 * DAY_SECONDS }),
    dividendShareBps: read.integer('DIVIDEND_SHARE_BPS', 5000, { min: 0, max: 10000 }),
    dividendCron: read.string('DIVIDEND_CRON', '0 0 * * *'),
    dividendPeriodSeconds: read.integer('DIVIDEND_PERIOD_SECONDS', DAY_SECONDS, { min: 1, max: DAY_SECONDS }),
    dividendBatchSize: read.integer('DIVIDEND_BATCH_SIZE', 1000, { min: 1, max: 10_000 }),
  };
  if (DAY_SECONDS % settings.dividendPeriodSeconds !== 0) {
    read.problems.push(`DIVIDEND_PERIOD_SECONDS must divide a day (86400) evenly (got ${settings.dividendPeriodSeconds})`);
  }
  if (!/^(\S+\s+){4,5}\S+$/.test(settings.dividendCron)) {
    read.problems.push(`DIVIDEND_CRON must be a cron expression of 5 or 6 fields (got "${settings.dividendCron}")`);
  }
  if (settings.shareFeeBps + settings.platformShareFeeBps >= 10_000) {
    read.problems.push('CREATOR_SHARE_FEE_BPS + PLATFORM_SHARE_FEE_BPS must stay below 10000: a sell would pay nothing');
  }
  return settings;
}
