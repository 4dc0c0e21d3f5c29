import { RoundParams, START_PRICE, toRoundParams } from './round-params';
import { RoundDraws } from './round-seed';

/**
 * One candle of a round. Prices are integers in units of 1e-8 held in doubles: the algorithm is
 * defined over IEEE-754 doubles, and keeping them there is what makes it reproducible bit for bit.
 */
export interface PathCandle {
  tick: number;
  open: number;
  high: number;
  low: number;
  close: number;
}

/**
 * Where a generator picks up again: the last generated tick and its close (tick 0 = not started).
 * Persist prices as exact integers (`BigInt(close)`, `formatPrice`) and read them back with
 * `Number(...)`: every close is a double, so the round trip is exact even past 2^53.
 */
export interface PathCheckpoint {
  tick: number;
  close: number;
}

/** A rug candle is the only candle that closes at 0: every other price is at least 1. */
export function isRugCandle(candle: PathCandle): boolean {
  return candle.close === 0;
}

/**
 * Generates a round's candles one tick at a time (cm-v1). The live engine calls `next()` every
 * tick; a new leader resumes from the last persisted candle with `checkpoint`, because a candle
 * depends only on the round seed, the params, its tick and the previous close.
 */
export class CandlePathGenerator implements IterableIterator<PathCandle> {
  private readonly params: RoundParams;
  private readonly draws: RoundDraws;
  private lastTick: number;
  private lastClose: number;

  constructor(roundSeed: string, params: RoundParams, checkpoint: PathCheckpoint = { tick: 0, close: START_PRICE }) {
    this.params = toRoundParams(params);
    this.draws = new RoundDraws(roundSeed);
    if (!Number.isSafeInteger(checkpoint.tick) || checkpoint.tick < 0 || checkpoint.tick > this.params.maxTicks) {
      throw new RangeError(`checkpoint tick must be in [0, ${this.params.maxTicks}], got ${checkpoint.tick}`);
    }
    if (!Number.isInteger(checkpoint.close) || checkpoint.close < 0 || (checkpoint.close === 0 && checkpoint.tick === 0)) {
      throw new RangeError(`checkpoint close must be a positive integer price, got ${checkpoint.close}`);
    }
    this.lastTick = checkpoint.tick;
    this.lastClose = checkpoint.close;
  }

  /** The last generated tick (0 before the first candle). */
  get tick(): number {
    return this.lastTick;
  }

  /** The latest close: the price positions enter and exit at. */
  get close(): number {
    return this.lastClose;
  }

  /** The tick the round rugged at, or null. */
  get rugTick(): number | null {
    return this.lastClose === 0 ? this.lastTick : null;
  }

  /** True once the round rugged or reached maxTicks; `next()` then returns done. */
  get ended(): boolean {
    return this.lastClose === 0 || this.lastTick >= this.params.maxTicks;
  }

  next(): IteratorResult<PathCandle, undefined> {
    if (this.ended) return { done: true, value: undefined };
    const candle = this.candleAt(this.lastTick + 1, this.lastClose);
    this.lastTick = candle.tick;
    this.lastClose = candle.close;
    return { done: false, value: candle };
  }

  [Symbol.iterator](): IterableIterator<PathCandle> {
    return this;
  }

  /** Candle t from the previous close, in exactly the order cm-v1 states (do not reorder the arithmetic). */
  private candleAt(t: number, prev: number): PathCandle {
    const p = this.params;
    if (this.draws.draw(t, 0) < p.rugProbability) return { tick: t, open: prev, high: prev, low: 0, close: 0 };
    let price = prev;
    let high = prev;
    let low = prev;
    for (let s = 0; s < p.subSteps; s += 1) {
      const a = this.draws.draw(t, 1 + 3 * s);
      const b = this.draws.draw(t, 2 + 3 * s);
      const c = this.draws.draw(t, 3 + 3 * s);
      let move: number;
      if (a < p.bigMoveProbability) {
        move = (b < 0.5 ? -1 : 1) * (p.bigMoveMin + p.bigMoveRange * c);
      } else {
        move = (p.driftMin + p.driftRange * b) / p.subSteps + p.volatility * (2 * c - 1);
      }
      price = Math.max(1, Math.round(price * (1 + move)));
      high = Math.max(high, price);
      low = Math.min(low, price);
    }
    return { tick: t, open: prev, high, low, close: price };
  }
}

export interface CandlePath {
  candles: PathCandle[];
  /** The rug tick, or null when the round survived to maxTicks. */
  rugTick: number | null;
  /** The last tick: the rug tick or maxTicks. */
  endTick: number;
  /** The last close: 0 after a rug. */
  finalClose: number;
}

/** The whole path of a round from its seed and params. */
export function generateCandlePath(roundSeed: string, params: RoundParams): CandlePath {
  const generator = new CandlePathGenerator(roundSeed, params);
  const candles = [...generator];
  return { candles, rugTick: generator.rugTick, endTick: generator.tick, finalClose: generator.close };
}
