import { createHash } from 'node:crypto';
import { CandlePathGenerator, generateCandlePath, isRugCandle, PathCandle } from './candle-path';
import { formatPrice, parsePrice } from './price';
import { DEFAULT_ROUND_PARAMS, RoundParams, START_PRICE } from './round-params';
import { RoundDraws, roundSeedOf } from './round-seed';

function seedFor(name: string): string {
  return roundSeedOf(createHash('sha256').update(name).digest('hex'), `salt of ${name}`);
}

/** cm-v1 written out once more, as plainly as the issue states it, to pin the generator's arithmetic. */
function referencePath(roundSeed: string, p: RoundParams): PathCandle[] {
  const draws = new RoundDraws(roundSeed);
  const candles: PathCandle[] = [];
  let prev = START_PRICE;
  for (let t = 1; t <= p.maxTicks; t += 1) {
    if (draws.draw(t, 0) < p.rugProbability) {
      candles.push({ tick: t, open: prev, high: prev, low: 0, close: 0 });
      return candles;
    }
    let price = prev;
    let high = prev;
    let low = prev;
    for (let s = 0; s < p.subSteps; s += 1) {
      const a = draws.draw(t, 1 + 3 * s);
      const b = draws.draw(t, 2 + 3 * s);
      const c = draws.draw(t, 3 + 3 * s);
      const move =
        a < p.bigMoveProbability
          ? (b < 0.5 ? -1 : 1) * (p.bigMoveMin + p.bigMoveRange * c)
          : (p.driftMin + p.driftRange * b) / p.subSteps + p.volatility * (2 * c - 1);
      price = Math.max(1, Math.round(price * (1 + move)));
      high = Math.max(high, price);
      low = Math.min(low, price);
    }
    candles.push({ tick: t, open: prev, high, low, close: price });
    prev = price;
  }
  return candles;
}

const SEEDS = Array.from({ length: 40 }, (_, index) => seedFor(`path ${index}`));

describe('generateCandlePath', () => {
  it('matches the plain statement of cm-v1 on 40 rounds', () => {
    for (const seed of SEEDS) {
      expect(generateCandlePath(seed, DEFAULT_ROUND_PARAMS).candles).toEqual(referencePath(seed, DEFAULT_ROUND_PARAMS));
    }
  });

  it('chains candles: each opens at the previous close, starting at 1.00000000, with low ≤ open, close ≤ high', () => {
    for (const seed of SEEDS) {
      const { candles } = generateCandlePath(seed, DEFAULT_ROUND_PARAMS);
      let prev = START_PRICE;
      candles.forEach((candle, index) => {
        expect(candle.tick).toBe(index + 1);
        expect(candle.open).toBe(prev);
        expect(candle.low).toBeLessThanOrEqual(Math.min(candle.open, candle.close));
        expect(candle.high).toBeGreaterThanOrEqual(Math.max(candle.open, candle.close));
        for (const price of [candle.open, candle.high, candle.low, candle.close]) expect(Number.isInteger(price)).toBe(true);
        prev = candle.close;
      });
    }
  });

  it('ends at the rug: the last candle and only it closes at 0, {open: prev, high: prev, low: 0, close: 0}', () => {
    for (const seed of SEEDS) {
      const path = generateCandlePath(seed, DEFAULT_ROUND_PARAMS);
      expect(path.rugTick).not.toBeNull();
      const last = path.candles[path.candles.length - 1];
      expect(last).toEqual({ tick: path.rugTick, open: last.open, high: last.open, low: 0, close: 0 });
      expect(isRugCandle(last)).toBe(true);
      expect(path.candles.slice(0, -1).some(isRugCandle)).toBe(false);
      expect(path.endTick).toBe(path.rugTick);
      expect(path.finalClose).toBe(0);
      const draws = new RoundDraws(seed);
      expect(draws.draw(last.tick, 0)).toBeLessThan(DEFAULT_ROUND_PARAMS.rugProbability);
      for (let t = 1; t < last.tick; t += 1) expect(draws.draw(t, 0)).toBeGreaterThanOrEqual(DEFAULT_ROUND_PARAMS.rugProbability);
    }
  });

  it('ends at maxTicks with the last close when nothing rugs', () => {
    const params = { ...DEFAULT_ROUND_PARAMS, rugProbability: 0, maxTicks: 300 };
    const path = generateCandlePath(SEEDS[0], params);
    expect(path.candles).toHaveLength(300);
    expect(path.rugTick).toBeNull();
    expect(path.endTick).toBe(300);
    expect(path.finalClose).toBe(path.candles[299].close);
    expect(path.finalClose).toBeGreaterThan(0);
  });

  it('rugs at tick 1 when rugProbability is 1', () => {
    const path = generateCandlePath(SEEDS[0], { ...DEFAULT_ROUND_PARAMS, rugProbability: 1 });
    expect(path.candles).toEqual([{ tick: 1, open: START_PRICE, high: START_PRICE, low: 0, close: 0 }]);
    expect(path.rugTick).toBe(1);
  });

  it('never lets a price fall below 1 unit, whatever the moves', () => {
    const crash = { ...DEFAULT_ROUND_PARAMS, rugProbability: 0, maxTicks: 50, bigMoveProbability: 0, driftMin: -8, driftRange: 0 };
    const { candles } = generateCandlePath(SEEDS[1], crash);
    expect(candles[0].low).toBe(1);
    expect(candles[49]).toEqual({ tick: 50, open: 1, high: 1, low: 1, close: 1 });
  });

  it('takes big moves of bigMoveMin + bigMoveRange * c, down when b < 0.5', () => {
    const jumps = { ...DEFAULT_ROUND_PARAMS, rugProbability: 0, maxTicks: 20, subSteps: 1, bigMoveProbability: 1 };
    const draws = new RoundDraws(SEEDS[2]);
    const { candles } = generateCandlePath(SEEDS[2], jumps);
    for (const candle of candles) {
      const b = draws.draw(candle.tick, 2);
      const c = draws.draw(candle.tick, 3);
      const size = 0.15 + 0.1 * c;
      expect(candle.close / candle.open).toBeCloseTo(b < 0.5 ? 1 - size : 1 + size, 6);
    }
  });

  it('refuses unusable params', () => {
    expect(() => generateCandlePath(SEEDS[0], { ...DEFAULT_ROUND_PARAMS, subSteps: 0 })).toThrow(RangeError);
    expect(() => generateCandlePath(SEEDS[0], { ...DEFAULT_ROUND_PARAMS, maxTicks: 2.5 })).toThrow(RangeError);
    expect(() => generateCandlePath(SEEDS[0], { ...DEFAULT_ROUND_PARAMS, rugProbability: 1.1 })).toThrow(RangeError);
    expect(() => generateCandlePath(SEEDS[0], { ...DEFAULT_ROUND_PARAMS, volatility: Number.NaN })).toThrow(RangeError);
  });
});

describe('CandlePathGenerator', () => {
  it('yields the same candles tick by tick as the full path', () => {
    const generator = new CandlePathGenerator(SEEDS[3], DEFAULT_ROUND_PARAMS);
    expect(generator.tick).toBe(0);
    expect(generator.close).toBe(START_PRICE);
    expect(generator.ended).toBe(false);
    const seen: PathCandle[] = [];
    for (let result = generator.next(); !result.done; result = generator.next()) {
      seen.push(result.value);
      expect(generator.tick).toBe(result.value.tick);
      expect(generator.close).toBe(result.value.close);
    }
    expect(seen).toEqual(generateCandlePath(SEEDS[3], DEFAULT_ROUND_PARAMS).candles);
    expect(generator.ended).toBe(true);
    expect(generator.rugTick).toBe(seen[seen.length - 1].tick);
    expect(generator.next()).toEqual({ done: true, value: undefined });
  });

  it('stops at maxTicks', () => {
    const generator = new CandlePathGenerator(SEEDS[4], { ...DEFAULT_ROUND_PARAMS, rugProbability: 0, maxTicks: 3 });
    expect([...generator].map((candle) => candle.tick)).toEqual([1, 2, 3]);
    expect(generator.ended).toBe(true);
    expect(generator.rugTick).toBeNull();
  });

  it('resumes from a persisted candle with the same continuation (takeover by another instance)', () => {
    const params = { ...DEFAULT_ROUND_PARAMS, rugProbability: 0, maxTicks: 200 };
    const full = generateCandlePath(SEEDS[5], params).candles;
    const resumed = new CandlePathGenerator(SEEDS[5], params, { tick: 120, close: full[119].close });
    expect([...resumed]).toEqual(full.slice(120));
  });

  it('resumes exactly from a persisted close past 2^53 (stored as an exact integer, read back with Number())', () => {
    const params = { ...DEFAULT_ROUND_PARAMS, rugProbability: 0 };
    const full = generateCandlePath(SEEDS[3], params).candles;
    const index = full.findIndex((candle) => candle.close > Number.MAX_SAFE_INTEGER);
    expect(index).toBeGreaterThan(0);
    const stored = formatPrice(full[index].close);
    const resumed = new CandlePathGenerator(SEEDS[3], params, { tick: index + 1, close: Number(parsePrice(stored)) });
    expect([...resumed]).toEqual(full.slice(index + 1));
  });

  it('is already ended when resumed after a rug or at maxTicks', () => {
    expect(new CandlePathGenerator(SEEDS[5], DEFAULT_ROUND_PARAMS, { tick: 17, close: 0 }).ended).toBe(true);
    expect(new CandlePathGenerator(SEEDS[5], DEFAULT_ROUND_PARAMS, { tick: 17, close: 0 }).rugTick).toBe(17);
    expect(new CandlePathGenerator(SEEDS[5], DEFAULT_ROUND_PARAMS, { tick: 5000, close: 5 }).ended).toBe(true);
  });

  it('refuses an impossible checkpoint', () => {
    expect(() => new CandlePathGenerator(SEEDS[5], DEFAULT_ROUND_PARAMS, { tick: -1, close: 5 })).toThrow(RangeError);
    expect(() => new CandlePathGenerator(SEEDS[5], DEFAULT_ROUND_PARAMS, { tick: 5001, close: 5 })).toThrow(RangeError);
    expect(() => new CandlePathGenerator(SEEDS[5], DEFAULT_ROUND_PARAMS, { tick: 3, close: 1.5 })).toThrow(RangeError);
    expect(() => new CandlePathGenerator(SEEDS[5], DEFAULT_ROUND_PARAMS, { tick: 0, close: 0 })).toThrow(RangeError);
  });

  it('does not share state with the params object it was given', () => {
    const params = { ...DEFAULT_ROUND_PARAMS, rugProbability: 0, maxTicks: 10 };
    const generator = new CandlePathGenerator(SEEDS[6], params);
    params.maxTicks = 2;
    expect([...generator]).toHaveLength(10);
  });
});
