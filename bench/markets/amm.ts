/**
 * Pure LMSR speed: quotes per second for buy and sell on 2 and 20 outcomes, no database.
 * Run: npm run bench:markets:amm   (prints a Markdown table for docs/performance.md)
 */
import { LmsrState, createMarketMaker, quoteBuy, quoteSell } from '../../src/markets/amm';
import { SeededRandom } from '../../src/markets/amm/seeded-random';

const USDC = 1_000_000n;
const SECONDS_PER_CASE = 2;

/** A market that has traded: every outcome at a different level, so no exp() is shared between outcomes. */
function tradedMarket(outcomeCount: number): LmsrState {
  let state = createMarketMaker({ outcomeCount, subsidy: 1_000n * USDC });
  for (let outcome = 0; outcome < outcomeCount; outcome += 1) {
    state = quoteBuy(state, outcome, BigInt(outcome + 1) * 5n * USDC).state;
  }
  return state;
}

function measure(run: (random: SeededRandom) => void): { perSecond: number; microseconds: number } {
  const random = new SeededRandom(20261125);
  for (let i = 0; i < 200; i += 1) run(random); // warm up the JIT
  let count = 0;
  const started = process.hrtime.bigint();
  const deadline = started + BigInt(SECONDS_PER_CASE * 1e9);
  let now = started;
  while (now < deadline) {
    for (let i = 0; i < 50; i += 1) run(random);
    count += 50;
    now = process.hrtime.bigint();
  }
  const seconds = Number(now - started) / 1e9;
  return { perSecond: count / seconds, microseconds: (seconds * 1e6) / count };
}

function main(): void {
  const rows: string[] = [];
  for (const outcomeCount of [2, 20]) {
    const state = tradedMarket(outcomeCount);
    const buy = measure((random) => {
      quoteBuy(state, random.int(0, outcomeCount - 1), random.bigint(1n, 500n * USDC));
    });
    const sell = measure((random) => {
      const outcome = random.int(0, outcomeCount - 1);
      quoteSell(state, outcome, random.bigint(USDC, state.outstandingShares[outcome]));
    });
    rows.push(`| ${outcomeCount} | buy | ${Math.round(buy.perSecond).toLocaleString('en-US')} | ${buy.microseconds.toFixed(0)} |`);
    rows.push(`| ${outcomeCount} | sell | ${Math.round(sell.perSecond).toLocaleString('en-US')} | ${sell.microseconds.toFixed(0)} |`);
  }
  console.log(`LMSR quotes, one core, ${SECONDS_PER_CASE} s per case, Node ${process.version}`);
  console.log('| outcomes | side | quotes/s | µs/quote |');
  console.log('|---|---|---|---|');
  for (const row of rows) console.log(row);
}

main();
