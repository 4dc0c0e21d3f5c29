import { CandlePathGenerator } from '../../rounds/fairness/candle-path';
import { START_PRICE, type RoundParams } from '../../rounds/fairness/round-params';
import { roundSeedOf } from '../../rounds/fairness/round-seed';
import { RoundPlay, type RoundPlayResult, type RoundTerms } from './round-play';
import { afterRound, newSession, type SessionState, type StopReason } from './session';
import type { CompiledLimits, CompiledRules } from './strategy-rules';

/** A past round with its revealed seed: everything needed to recompute its path. */
export interface ReplayRound {
  terms: RoundTerms;
  params: RoundParams;
  serverSeed: string;
  salt: string;
  /** What the round recorded, to check the recomputed path against. */
  recordedRugTick: number | null;
  recordedFinalPrice: bigint;
}

export interface BacktestRound {
  roundId: string;
  number: number;
  result: RoundPlayResult;
  balanceAfter: bigint;
  /** The recomputed path ended where the round did (rug tick and final close): always true for an honest server. */
  pathMatches: boolean;
}

export interface BacktestResult {
  rounds: BacktestRound[];
  session: SessionState;
  stoppedBy: StopReason | null;
  /** Rounds whose recomputed path differed from the recorded one. */
  mismatchedRounds: number;
}

/**
 * Replays `rules` over past rounds exactly: each path is regenerated from the revealed seed and salt by the
 * round engine's own generator (cm-v1), every stake is filled at the tick the rule fired with the venue's fee
 * split and payout formulas, open positions settle at the final close and side bets pay as the settlement
 * does. The session's limits stop the replay as they would stop the live runner.
 */
export function backtest(rules: CompiledRules, limits: CompiledLimits, startingBalance: bigint, rounds: readonly ReplayRound[]): BacktestResult {
  let session = newSession(startingBalance);
  const played: BacktestRound[] = [];
  let mismatchedRounds = 0;
  for (const round of rounds) {
    if (session.stoppedBy) break;
    const { result, rugTick, finalClose } = playRound(rules, limits, session, round);
    const pathMatches = rugTick === round.recordedRugTick && finalClose === round.recordedFinalPrice;
    if (!pathMatches) mismatchedRounds += 1;
    session = afterRound(session, result, limits);
    played.push({ roundId: round.terms.roundId, number: round.terms.number, result, balanceAfter: session.balance, pathMatches });
  }
  return { rounds: played, session, stoppedBy: session.stoppedBy, mismatchedRounds };
}

/** One round of the replay: tick 0, then each candle the seed generates, each action filled at its tick. */
export function playRound(rules: CompiledRules, limits: CompiledLimits, session: SessionState, round: ReplayRound): { result: RoundPlayResult; rugTick: number | null; finalClose: bigint } {
  const play = new RoundPlay(rules, limits, round.terms, session);
  const start = BigInt(START_PRICE);
  for (const action of play.observe(0, start)) play.fillAt(action, 0, start);
  const generator = new CandlePathGenerator(roundSeedOf(round.serverSeed, round.salt), round.params);
  for (const candle of generator) {
    const close = BigInt(candle.close);
    for (const action of play.observe(candle.tick, close)) play.fillAt(action, candle.tick, close);
  }
  const finalClose = BigInt(generator.close);
  return { result: play.finish({ rugTick: generator.rugTick, finalClose }), rugTick: generator.rugTick, finalClose };
}
