import { domainError } from '../common/errors/domain-error';

export class StrategyNotFound extends domainError(404, 'StrategyNotFound', (id: string) => `Strategy ${id} not found`) {}

export class StrategyRunning extends domainError(409, 'StrategyRunning', () => 'Stop the strategy before changing its rules or limits') {}

export class BacktestTooLarge extends domainError(422, 'BacktestTooLarge', (max: number, requested: number) => ({
  message: `A backtest replays at most ${max} rounds (STRATEGY_BACKTEST_MAX_ROUNDS) and this range holds ${requested > max ? `more than ${max}` : requested}; narrow fromRound/toRound or pass rounds`,
  details: { maxRounds: max },
})) {}

export class BacktestJobNotFound extends domainError(404, 'BacktestJobNotFound', (id: string) => `Backtest job ${id} not found`) {}
