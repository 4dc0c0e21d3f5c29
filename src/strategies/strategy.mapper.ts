import { formatUsdc } from '../common/money/usdc';
import { winRate, type SessionState } from './core/session';
import type { BacktestRound } from './core/backtest';
import type { Performance } from './core/performance';
import type { LiveStrategyRoundDto, StrategyPerformanceFiguresDto, StrategyDto, StrategyRoundResultDto, StrategySessionDto } from './strategies.dto';
import type { StoredSession, StrategyEntity } from './strategy.entity';
import type { StrategyRoundEntity } from './strategy-round.entity';

const BIGINT_FIELDS = ['startingBalance', 'balance', 'pnl', 'wagered', 'fees', 'peakBalance', 'maxDrawdown'] as const;

export function toStoredSession(session: SessionState): StoredSession {
  const stored: StoredSession = { ...session } as unknown as StoredSession;
  for (const field of BIGINT_FIELDS) stored[field] = session[field].toString();
  return stored;
}

export function fromStoredSession(stored: StoredSession): SessionState {
  const session = { ...stored } as unknown as SessionState;
  for (const field of BIGINT_FIELDS) (session as unknown as Record<string, bigint>)[field] = BigInt(stored[field] as string);
  return session;
}

export function toSessionDto(strategy: StrategyEntity): StrategySessionDto | null {
  if (!strategy.session || !strategy.sessionId) return null;
  const session = fromStoredSession(strategy.session);
  return {
    sessionId: strategy.sessionId,
    fromRound: strategy.sessionFromRound!,
    startingBalance: formatUsdc(session.startingBalance),
    balance: formatUsdc(session.balance),
    pnl: formatUsdc(session.pnl),
    wagered: formatUsdc(session.wagered),
    fees: formatUsdc(session.fees),
    trades: session.trades,
    roundsPlayed: session.roundsPlayed,
    roundsStaked: session.roundsStaked,
    roundsWon: session.roundsWon,
    winRate: winRate(session),
    maxDrawdown: formatUsdc(session.maxDrawdown),
    lossStreak: session.lossStreak,
  };
}

export function toStrategyDto(strategy: StrategyEntity): StrategyDto {
  return {
    id: strategy.id,
    name: strategy.name,
    venue: strategy.venue,
    rules: strategy.rules,
    limits: strategy.limits,
    status: strategy.status,
    stopReason: strategy.stopReason,
    session: toSessionDto(strategy),
    createdAt: strategy.createdAt.toISOString(),
    updatedAt: strategy.updatedAt.toISOString(),
  };
}

export function toLiveRoundDto(row: StrategyRoundEntity): LiveStrategyRoundDto {
  return {
    roundId: row.roundId,
    roundNumber: row.roundNumber,
    pnl: formatUsdc(row.pnl),
    wagered: formatUsdc(row.wagered),
    fees: formatUsdc(row.fees),
    trades: row.trades,
    balanceAfter: formatUsdc(row.balanceAfter),
    declined: row.declined,
    slipped: row.slipped,
  };
}

export function toBacktestRoundDto(round: BacktestRound): StrategyRoundResultDto & { pathMatches: boolean } {
  return {
    roundId: round.roundId,
    roundNumber: round.number,
    pnl: formatUsdc(round.result.pnl),
    wagered: formatUsdc(round.result.wagered),
    fees: formatUsdc(round.result.fees),
    trades: round.result.trades,
    balanceAfter: formatUsdc(round.balanceAfter),
    pathMatches: round.pathMatches,
  };
}

export function toPerformanceDto(performance: Performance): StrategyPerformanceFiguresDto {
  return {
    startingBalance: formatUsdc(performance.startingBalance),
    endingBalance: formatUsdc(performance.endingBalance),
    roundsPlayed: performance.roundsPlayed,
    roundsStaked: performance.roundsStaked,
    roundsWon: performance.roundsWon,
    bets: performance.bets,
    wagered: formatUsdc(performance.wagered),
    fees: formatUsdc(performance.fees),
    profit: formatUsdc(performance.profit),
    winRate: performance.winRate,
    maxDrawdown: formatUsdc(performance.maxDrawdown),
    sharpeRatio: performance.sharpeRatio,
  };
}
