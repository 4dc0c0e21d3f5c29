import { EnvReader } from './env-parsers';

/** Strategy backtests (src/strategies). */
export interface StrategySettings {
  /** A backtest replays at most this many rounds; a range holding more is a 400. */
  backtestMaxRounds: number;
  /** A backtest of at most this many rounds answers inline; a larger one runs on the `backtests` queue. */
  backtestSyncRounds: number;
  /** Rounds a queued backtest reads from PostgreSQL at a time (its memory holds one page of seeds and paths, not the range). */
  backtestPageSize: number;
  /** How long a finished backtest job (and its result) stays readable, seconds. */
  backtestResultTtlSeconds: number;
}

export function readStrategySettings(read: EnvReader): StrategySettings {
  const settings: StrategySettings = {
    backtestMaxRounds: read.integer('STRATEGY_BACKTEST_MAX_ROUNDS', 10_000, { min: 1, max: 1_000_000 }),
    backtestSyncRounds: read.integer('STRATEGY_BACKTEST_SYNC_ROUNDS', 500, { min: 0, max: 1_000_000 }),
    backtestPageSize: read.integer('STRATEGY_BACKTEST_PAGE_SIZE', 500, { min: 1, max: 10_000 }),
    backtestResultTtlSeconds: read.integer('STRATEGY_BACKTEST_RESULT_TTL_SECONDS', 86_400, { min: 60, max: 30 * 86_400 }),
  };
  return settings;
}
