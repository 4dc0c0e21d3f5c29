import type { FeeSchedule } from './fees';
import * as current from './lmsr';
import { fastBuy, fastSell } from './lmsr-fast';
import * as reference from './lmsr-decimal.reference';
import { LmsrState } from './lmsr';
import { SeededRandom } from './seeded-random';

/**
 * Differential property test for issue 14: the float fast path in lmsr.ts must return exactly what the old
 * 40-digit decimal implementation (kept as lmsr-decimal.reference.ts) returns, for the same inputs, including
 * which error it throws and with which message. Failing cases print their seed.
 */

const USDC = 1_000_000n;
const MAX_UNITS = 10n ** 30n;

type Outcome<T> = { readonly value: T } | { readonly error: string };

function outcomeOf<T>(run: () => T): Outcome<T> {
  try {
    return { value: run() };
  } catch (error) {
    const e = error as Error & { details?: unknown };
    return { error: `${e.constructor.name}: ${e.message} ${JSON.stringify(e.details ?? null)}` };
  }
}

/** Log-uniform bigint in [min, max]: as many tiny as huge values. */
function logUniform(random: SeededRandom, min: bigint, max: bigint): bigint {
  const lo = Math.log10(Number(min));
  const hi = Math.log10(Number(max));
  const value = BigInt(Math.floor(10 ** (lo + random.next() * (hi - lo))));
  return value < min ? min : value > max ? max : value;
}

function clampUnits(value: bigint): bigint {
  return value < 0n ? 0n : value > MAX_UNITS ? MAX_UNITS : value;
}

/** A random valid state: 2-10 outcomes, b from 1 unit to 10^15 USDC-ish, levels from untraded to hundreds of b apart. */
function randomState(random: SeededRandom): LmsrState {
  const outcomeCount = random.int(2, 10);
  const kind = random.int(0, 9);
  const liquidity = kind === 0 ? logUniform(random, 1n, 1000n) : kind === 1 ? logUniform(random, 10n ** 15n, 10n ** 29n) : logUniform(random, USDC, 10n ** 15n);
  const spread = [0, 0.01, 0.3, 2, 8, 40, 800][random.int(0, 6)];
  const level = (): bigint => {
    if (random.int(0, 3) === 0) return 0n;
    return clampUnits(BigInt(Math.floor(random.next() * spread * 1e6)) * liquidity / 1_000_000n + random.bigint(0n, 3n));
  };
  const withPrior = random.int(0, 2) === 0;
  const outstandingShares = Array.from({ length: outcomeCount }, level);
  const priorShares = Array.from({ length: outcomeCount }, () => (withPrior ? level() : 0n));
  if (random.int(0, 5) === 0) outstandingShares[random.int(0, outcomeCount - 1)] = outstandingShares[0]; // equal levels
  return { liquidity, outstandingShares, priorShares };
}

function randomFees(random: SeededRandom): FeeSchedule | undefined {
  switch (random.int(0, 3)) {
    case 0:
      return undefined;
    case 1:
      return { feeBps: 0, creatorShareBps: 0 };
    case 2:
      return { feeBps: random.int(0, 10_000), creatorShareBps: random.int(0, 10_000) };
    default:
      return { feeBps: 100, creatorShareBps: 5_000 };
  }
}

/** Trade sizes relative to b (from one unit to far past it) and, sometimes, beyond what is outstanding. */
function randomSize(random: SeededRandom, state: LmsrState): bigint {
  switch (random.int(0, 4)) {
    case 0:
      return logUniform(random, 1n, 1000n);
    case 1:
      return clampUnits(logUniform(random, 1n, 10n ** 12n) * state.liquidity / 1000n) || 1n;
    case 2:
      return logUniform(random, 1n, MAX_UNITS);
    default:
      return logUniform(random, 1n, 1000n * USDC);
  }
}

describe('LMSR float fast path is bit-identical to the 40-digit decimal reference', () => {
  const CASES = 1_500;

  it(`agrees on quoteBuy, quoteSell, costToBuy and proceedsOfSale for ${CASES} random markets and trades`, () => {
    for (let seed = 1; seed <= CASES; seed += 1) {
      const random = new SeededRandom(seed * 7919);
      const state = randomState(random);
      const outcome = random.int(0, state.outstandingShares.length - 1);
      const amount = randomSize(random, state);
      const held = state.outstandingShares[outcome];
      const shares = held > 0n && random.int(0, 4) > 0 ? random.bigint(1n, held) : randomSize(random, state);
      const fees = randomFees(random);
      const context = { seed, state, outcome, amount, shares, fees };

      const buy = [outcomeOf(() => current.quoteBuy(state, outcome, amount, { fees })), outcomeOf(() => reference.quoteBuy(state, outcome, amount, { fees }))];
      const sell = [outcomeOf(() => current.quoteSell(state, outcome, shares, { fees })), outcomeOf(() => reference.quoteSell(state, outcome, shares, { fees }))];
      const cost = [outcomeOf(() => current.costToBuy(state, outcome, shares)), outcomeOf(() => reference.costToBuy(state, outcome, shares))];
      const proceeds = [outcomeOf(() => current.proceedsOfSale(state, outcome, shares)), outcomeOf(() => reference.proceedsOfSale(state, outcome, shares))];
      expect({ context, buy: buy[0], sell: sell[0], cost: cost[0], proceeds: proceeds[0] }).toEqual({
        context,
        buy: buy[1],
        sell: sell[1],
        cost: cost[1],
        proceeds: proceeds[1],
      });
    }
  });

  it('agrees where a spend is exactly the cost of a whole number of shares (the closed form lands on an integer)', () => {
    const noFees = { feeBps: 0, creatorShareBps: 0 };
    for (let seed = 1; seed <= 300; seed += 1) {
      const random = new SeededRandom(seed * 104729);
      const state = randomState(random);
      const outcome = random.int(0, state.outstandingShares.length - 1);
      const shares = randomSize(random, state);
      const cost = outcomeOf(() => reference.costToBuy(state, outcome, shares));
      if (!('value' in cost)) continue;
      for (const amount of [cost.value - 1n, cost.value, cost.value + 1n]) {
        if (amount <= 0n || amount > MAX_UNITS) continue;
        const mine = outcomeOf(() => current.quoteBuy(state, outcome, amount, { fees: noFees }));
        const theirs = outcomeOf(() => reference.quoteBuy(state, outcome, amount, { fees: noFees }));
        expect({ seed, state, outcome, amount, mine }).toEqual({ seed, state, outcome, amount, mine: theirs });
      }
    }
  });

  it('agrees along random trade sequences on 2 and 10 outcomes (states the service really reaches)', () => {
    let decided = 0;
    let quotes = 0;
    for (const outcomeCount of [2, 3, 10]) {
      const random = new SeededRandom(20261203 + outcomeCount);
      let state = current.createMarketMaker({ outcomeCount, subsidy: logUniform(random, USDC, 10n ** 12n * USDC) });
      for (let step = 0; step < 400; step += 1) {
        const outcome = random.int(0, outcomeCount - 1);
        const buying = random.int(0, 2) > 0 || state.outstandingShares[outcome] === 0n;
        const size = buying ? logUniform(random, 1n, state.liquidity * 3n) : random.bigint(1n, state.outstandingShares[outcome]);
        const mine = outcomeOf(() => (buying ? current.quoteBuy(state, outcome, size) : current.quoteSell(state, outcome, size)));
        const theirs = outcomeOf(() => (buying ? reference.quoteBuy(state, outcome, size) : reference.quoteSell(state, outcome, size)));
        expect({ step, state, mine }).toEqual({ step, state, mine: theirs });
        const levels = state.outstandingShares.map((held, index) => held + state.priorShares[index]);
        const spend = size - size / 100n;
        const fast = buying ? spend > 0n && fastBuy(state.liquidity, levels, outcome, spend) : fastSell(state.liquidity, levels, outcome, size);
        if (state.liquidity <= 10n ** 12n) {
          quotes += 1;
          if (fast !== undefined) decided += 1;
        }
        if ('value' in mine) state = mine.value.state;
      }
    }
    // The point of the fast path: up to b = 10^12 (a subsidy near a million USDC) it rarely needs the decimal one.
    expect(quotes).toBeGreaterThan(200);
    expect(decided / quotes).toBeGreaterThan(0.98);
  });
});
