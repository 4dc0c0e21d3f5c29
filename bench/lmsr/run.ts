/**
 * LMSR quote cost, old against new in the same run (issue 14): the 40-digit decimal implementation kept as
 * src/markets/amm/lmsr-decimal.reference.ts against src/markets/amm/lmsr.ts (float64 fast path that falls back to
 * 40 digits when it cannot prove the integers). Same markets, same random trades, one core, no database.
 * Also checks every timed quote's result is identical and counts how often the new path needed the decimal one.
 *
 * Run: npm run bench:lmsr   (flags: --seconds S per case, default 1). Prints a Markdown table for docs/performance.md.
 */
import * as current from '../../src/markets/amm/lmsr';
import * as reference from '../../src/markets/amm/lmsr-decimal.reference';
import { LmsrState } from '../../src/markets/amm/lmsr';
import { fastBuy, fastCostToBuy, fastSell } from '../../src/markets/amm/lmsr-fast';
import { SeededRandom } from '../../src/markets/amm/seeded-random';

const USDC = 1_000_000n;
const SUBSIDY = 1_000n * USDC;

type Implementation = typeof current | typeof reference;
type Operation = 'buy' | 'sell' | 'costToBuy';

/** A market that has traded: every outcome at a different level, so no exp() is shared between outcomes. */
function tradedMarket(outcomeCount: number): LmsrState {
  let state = current.createMarketMaker({ outcomeCount, subsidy: SUBSIDY });
  for (let outcome = 0; outcome < outcomeCount; outcome += 1) {
    state = current.quoteBuy(state, outcome, BigInt(outcome + 1) * 5n * USDC).state;
  }
  return state;
}

interface Trade {
  readonly outcome: number;
  readonly size: bigint;
}

function trades(state: LmsrState, operation: Operation, count: number): Trade[] {
  const random = new SeededRandom(20261203);
  const n = state.outstandingShares.length;
  return Array.from({ length: count }, () => {
    const outcome = random.int(0, n - 1);
    const size = operation === 'sell' ? random.bigint(1n, state.outstandingShares[outcome]) : random.bigint(USDC / 100n, 500n * USDC);
    return { outcome, size };
  });
}

function run(implementation: Implementation, state: LmsrState, operation: Operation, trade: Trade): unknown {
  if (operation === 'buy') return implementation.quoteBuy(state, trade.outcome, trade.size);
  if (operation === 'sell') return implementation.quoteSell(state, trade.outcome, trade.size);
  return implementation.costToBuy(state, trade.outcome, trade.size);
}

function microsecondsPerQuote(implementation: Implementation, state: LmsrState, operation: Operation, work: readonly Trade[], seconds: number): number {
  for (let i = 0; i < 200; i += 1) run(implementation, state, operation, work[i % work.length]); // warm up the JIT
  let count = 0;
  const started = process.hrtime.bigint();
  const deadline = started + BigInt(Math.round(seconds * 1e9));
  let now = started;
  while (now < deadline) {
    for (let i = 0; i < 25; i += 1) run(implementation, state, operation, work[(count + i) % work.length]);
    count += 25;
    now = process.hrtime.bigint();
  }
  return Number(now - started) / 1e3 / count;
}

function levelsOf(state: LmsrState): bigint[] {
  return state.outstandingShares.map((held, index) => held + state.priorShares[index]);
}

/** How many of these trades the float path decides alone, and whether new and old agree on every one. */
function check(state: LmsrState, operation: Operation, work: readonly Trade[]): { fallbacks: number; mismatches: number } {
  let fallbacks = 0;
  let mismatches = 0;
  const levels = levelsOf(state);
  for (const trade of work) {
    const mine = JSON.stringify(run(current, state, operation, trade), (_, value: unknown) => (typeof value === 'bigint' ? value.toString() : value));
    const theirs = JSON.stringify(run(reference, state, operation, trade), (_, value: unknown) => (typeof value === 'bigint' ? value.toString() : value));
    if (mine !== theirs) mismatches += 1;
    const spend = trade.size - trade.size / 100n; // the default 1% fee
    const fast =
      operation === 'buy'
        ? fastBuy(state.liquidity, levels, trade.outcome, spend)
        : operation === 'sell'
          ? fastSell(state.liquidity, levels, trade.outcome, trade.size)
          : fastCostToBuy(state.liquidity, levels, trade.outcome, trade.size);
    if (fast === undefined) fallbacks += 1;
  }
  return { fallbacks, mismatches };
}

function main(): void {
  const secondsFlag = process.argv.indexOf('--seconds');
  const seconds = secondsFlag > 0 ? Number(process.argv[secondsFlag + 1]) : 1;
  const rows: string[] = [];
  let totalMismatches = 0;
  for (const outcomeCount of [2, 10, 20]) {
    const state = tradedMarket(outcomeCount);
    for (const operation of ['buy', 'sell', 'costToBuy'] as const) {
      const work = trades(state, operation, 2_000);
      const old = microsecondsPerQuote(reference, state, operation, work, seconds);
      const now = microsecondsPerQuote(current, state, operation, work, seconds);
      const { fallbacks, mismatches } = check(state, operation, work);
      totalMismatches += mismatches;
      rows.push(
        `| ${outcomeCount} | ${operation} | ${old.toFixed(1)} | ${now.toFixed(2)} | ${(old / now).toFixed(0)}× | ${Math.round(1e6 / now).toLocaleString('en-US')} | ${fallbacks} / ${work.length} | ${mismatches} |`,
      );
    }
  }
  console.log(`LMSR quotes, old (40-digit decimal.js) vs new (float64 proven, decimal fallback), subsidy ${SUBSIDY / USDC} USDC, one core, ${seconds} s per case, Node ${process.version}`);
  console.log('| outcomes | operation | old µs/quote | new µs/quote | speed-up | new quotes/s | decimal fallbacks | mismatches |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const row of rows) console.log(row);
  if (totalMismatches > 0) {
    console.error(`${totalMismatches} quotes differ between old and new`);
    process.exitCode = 1;
  }
}

main();
