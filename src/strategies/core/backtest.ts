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
  /** The closes the round's settlement stored (tick t at index t − 1), when it did: read instead of regenerated. */
  storedCloses?: Float64Array | null;
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

/** A round's recomputed path: each tick's close (tick t at index t − 1) and how it ended. */
export interface ReplayPath {
  closes: Float64Array;
  rugTick: number | null;
  finalClose: bigint;
}

/** Regenerates a round's path from its revealed seed and salt with the round engine's own generator (cm-v1). */
export function recomputePath(round: Pick<ReplayRound, 'serverSeed' | 'salt' | 'params'>): ReplayPath {
  const generator = new CandlePathGenerator(roundSeedOf(round.serverSeed, round.salt), round.params);
  const closes: number[] = [];
  for (const candle of generator) closes.push(candle.close);
  return { closes: Float64Array.from(closes), rugTick: generator.rugTick, finalClose: BigInt(generator.close) };
}

/** A round's path from its stored closes (what recomputePath gives for an honest server; the rounds e2e suite checks it). */
export function storedPath(closes: Float64Array): ReplayPath {
  const last = closes.length > 0 ? closes[closes.length - 1] : START_PRICE;
  return { closes, rugTick: last === 0 ? closes.length : null, finalClose: BigInt(last) };
}

/** The stored path when there is one, else the path regenerated from the seed. */
export function replayPathOf(round: ReplayRound): ReplayPath {
  return round.storedCloses ? storedPath(round.storedCloses) : recomputePath(round);
}

/**
 * Recomputed paths by round id, the most recent `capacity` kept: a path is a pure function of the revealed
 * seed, salt and params, and generating it is most of a backtest's cost (about 8 bytes a tick to keep).
 */
export class ReplayPathCache {
  private readonly paths = new Map<string, ReplayPath>();

  constructor(private readonly capacity = 20_000) {}

  pathOf(round: ReplayRound): ReplayPath {
    if (round.storedCloses) return storedPath(round.storedCloses);
    const id = round.terms.roundId;
    const cached = this.paths.get(id);
    if (cached) {
      this.paths.delete(id);
      this.paths.set(id, cached);
      return cached;
    }
    const path = recomputePath(round);
    this.paths.set(id, path);
    if (this.paths.size > this.capacity) this.paths.delete(this.paths.keys().next().value!);
    return path;
  }

  /** The stored path, else the cached one, else a recomputed one that is not kept: a long queued replay reuses the hot paths without evicting them. */
  peekOrRecompute(round: ReplayRound): ReplayPath {
    if (round.storedCloses) return storedPath(round.storedCloses);
    return this.paths.get(round.terms.roundId) ?? recomputePath(round);
  }
}

/**
 * Replays `rules` over past rounds exactly: each path is regenerated from the revealed seed and salt by the
 * round engine's own generator (cm-v1), every stake is filled at the tick the rule fired with the venue's fee
 * split and payout formulas, open positions settle at the final close and side bets pay as the settlement
 * does. The session's limits stop the replay as they would stop the live runner.
 */
export function backtest(rules: CompiledRules, limits: CompiledLimits, startingBalance: bigint, rounds: readonly ReplayRound[], pathOf: (round: ReplayRound) => ReplayPath = replayPathOf): BacktestResult {
  const replay = backtestRounds(rules, limits, startingBalance, rounds, pathOf);
  for (let step = replay.next(); ; step = replay.next()) if (step.done) return step.value;
}

/**
 * The replay's state, fed one round at a time in round order: the same arithmetic whether the rounds come from
 * one array (an inline backtest) or from pages read one after another (a queued one), so both give the same result.
 */
export class BacktestReplay {
  private session: SessionState;
  private readonly played: BacktestRound[] = [];
  private mismatchedRounds = 0;

  constructor(
    private readonly rules: CompiledRules,
    private readonly limits: CompiledLimits,
    startingBalance: bigint,
    private readonly pathOf: (round: ReplayRound) => ReplayPath = replayPathOf,
  ) {
    this.session = newSession(startingBalance);
  }

  /** A session limit was reached: later rounds are not played. */
  get stopped(): boolean {
    return this.session.stoppedBy !== null;
  }

  /** Plays the next round; null once a limit has stopped the session. */
  play(round: ReplayRound): BacktestRound | null {
    if (this.stopped) return null;
    const path = this.pathOf(round);
    const result = playPath(this.rules, this.limits, this.session, round.terms, path);
    const pathMatches = path.rugTick === round.recordedRugTick && path.finalClose === round.recordedFinalPrice;
    if (!pathMatches) this.mismatchedRounds += 1;
    this.session = afterRound(this.session, result, this.limits);
    const record = { roundId: round.terms.roundId, number: round.terms.number, result, balanceAfter: this.session.balance, pathMatches };
    this.played.push(record);
    return record;
  }

  result(): BacktestResult {
    return { rounds: [...this.played], session: this.session, stoppedBy: this.session.stoppedBy, mismatchedRounds: this.mismatchedRounds };
  }
}

/** `backtest` one round at a time: yields after each round (a caller can let other work run), returns the result. */
export function* backtestRounds(
  rules: CompiledRules,
  limits: CompiledLimits,
  startingBalance: bigint,
  rounds: Iterable<ReplayRound>,
  pathOf: (round: ReplayRound) => ReplayPath = replayPathOf,
): Generator<BacktestRound, BacktestResult, void> {
  const replay = new BacktestReplay(rules, limits, startingBalance, pathOf);
  for (const round of rounds) {
    const record = replay.play(round);
    if (!record) break;
    yield record;
  }
  return replay.result();
}

/** One round of the replay: tick 0, then each candle the seed generates, each action filled at its tick. */
export function playRound(rules: CompiledRules, limits: CompiledLimits, session: SessionState, round: ReplayRound): { result: RoundPlayResult; rugTick: number | null; finalClose: bigint } {
  const path = recomputePath(round);
  return { result: playPath(rules, limits, session, round.terms, path), rugTick: path.rugTick, finalClose: path.finalClose };
}

function playPath(rules: CompiledRules, limits: CompiledLimits, session: SessionState, terms: RoundTerms, path: ReplayPath): RoundPlayResult {
  const play = new RoundPlay(rules, limits, terms, session);
  const start = BigInt(START_PRICE);
  for (const action of play.observe(0, start)) play.fillAt(action, 0, start);
  for (let index = 0; index < path.closes.length; index += 1) {
    const tick = index + 1;
    const close = BigInt(path.closes[index]);
    for (const action of play.observe(tick, close)) play.fillAt(action, tick, close);
  }
  return play.finish({ rugTick: path.rugTick, finalClose: path.finalClose });
}
