import type { CompiledLimits } from './strategy-rules';

export type StopReason = 'loss-limit' | 'win-limit' | 'max-rounds';

/** A strategy's running totals over one session (a start until a stop), carried from round to round. */
export interface SessionState {
  startingBalance: bigint;
  /** startingBalance + pnl: what sizing and the spending cap see at the start of a round. */
  balance: bigint;
  pnl: bigint;
  wagered: bigint;
  fees: bigint;
  trades: number;
  roundsPlayed: number;
  /** Rounds with at least one stake. */
  roundsStaked: number;
  /** Rounds with a stake that ended with a positive / negative P&L. */
  roundsWon: number;
  roundsLost: number;
  lossStreak: number;
  peakBalance: bigint;
  maxDrawdown: bigint;
  stoppedBy: StopReason | null;
}

/** One round's outcome for the strategy, fees included. */
export interface RoundOutcome {
  pnl: bigint;
  wagered: bigint;
  fees: bigint;
  trades: number;
}

export function newSession(startingBalance: bigint): SessionState {
  return {
    startingBalance,
    balance: startingBalance,
    pnl: 0n,
    wagered: 0n,
    fees: 0n,
    trades: 0,
    roundsPlayed: 0,
    roundsStaked: 0,
    roundsWon: 0,
    roundsLost: 0,
    lossStreak: 0,
    peakBalance: startingBalance,
    maxDrawdown: 0n,
    stoppedBy: null,
  };
}

/**
 * The session after a round: totals, the martingale streak (a losing round extends it, a winning one resets
 * it, a round without a stake or at break-even leaves it), the drawdown from the peak balance, and whether a
 * limit now stops the session (the loss limit first: it is the one protecting the user).
 */
export function afterRound(session: SessionState, outcome: RoundOutcome, limits: CompiledLimits): SessionState {
  const balance = session.balance + outcome.pnl;
  const pnl = session.pnl + outcome.pnl;
  const staked = outcome.trades > 0;
  const won = staked && outcome.pnl > 0n;
  const lost = staked && outcome.pnl < 0n;
  const peakBalance = balance > session.peakBalance ? balance : session.peakBalance;
  const drawdown = peakBalance - balance;
  const next: SessionState = {
    ...session,
    balance,
    pnl,
    wagered: session.wagered + outcome.wagered,
    fees: session.fees + outcome.fees,
    trades: session.trades + outcome.trades,
    roundsPlayed: session.roundsPlayed + 1,
    roundsStaked: session.roundsStaked + (staked ? 1 : 0),
    roundsWon: session.roundsWon + (won ? 1 : 0),
    roundsLost: session.roundsLost + (lost ? 1 : 0),
    lossStreak: won ? 0 : lost ? session.lossStreak + 1 : session.lossStreak,
    peakBalance,
    maxDrawdown: drawdown > session.maxDrawdown ? drawdown : session.maxDrawdown,
  };
  next.stoppedBy = stopReason(next, limits);
  return next;
}

export function stopReason(session: SessionState, limits: CompiledLimits): StopReason | null {
  if (limits.stopAfterLoss !== undefined && -session.pnl >= limits.stopAfterLoss) return 'loss-limit';
  if (limits.stopAfterWin !== undefined && session.pnl >= limits.stopAfterWin) return 'win-limit';
  if (limits.maxRounds !== undefined && session.roundsPlayed >= limits.maxRounds) return 'max-rounds';
  return null;
}

/** Rounds won over rounds with a stake, as a decimal string with 4 places ("0.5000"); "0.0000" before any. */
export function winRate(session: Pick<SessionState, 'roundsWon' | 'roundsStaked'>): string {
  if (session.roundsStaked === 0) return '0.0000';
  const scaled = (BigInt(session.roundsWon) * 10_000n) / BigInt(session.roundsStaked);
  return `${scaled / 10_000n}.${(scaled % 10_000n).toString().padStart(4, '0')}`;
}
