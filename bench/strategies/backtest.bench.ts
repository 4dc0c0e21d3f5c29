/**
 * bench/strategies: a backtest over 10,000 rounds at the default params (pure: no database). Prints figures, asserts nothing.
 *   npm run bench:strategies
 * Cold: every path regenerated from its seed (the round engine's generator, most of the cost); warm: the same
 * request again, the paths from the per-process ReplayPathCache.
 */
import { createHash } from 'node:crypto';
import { cpus } from 'node:os';
import { DEFAULT_ROUND_PARAMS } from '../../src/rounds/fairness/round-params';
import { backtest, recomputePath, ReplayPathCache, type ReplayRound } from '../../src/strategies/core/backtest';
import { validateStrategy } from '../../src/strategies/core/strategy-rules';

const ROUNDS = 10_000;

function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

function main(): void {
  const params = { ...DEFAULT_ROUND_PARAMS };
  const rounds: ReplayRound[] = [];
  for (let index = 0; index < ROUNDS; index += 1) {
    const serverSeed = createHash('sha256').update(`bench strategy round ${index}`).digest('hex');
    rounds.push({
      terms: { roundId: `round-${index}`, number: index + 1, feeBps: 100, minStake: 100_000n, maxStake: 1_000_000_000n, sideBetWindow: 40, sideBetMultiplier: '5', rugProbability: params.rugProbability, maxTicks: params.maxTicks },
      params,
      serverSeed,
      salt: `bench salt ${index}`,
      recordedRugTick: null,
      recordedFinalPrice: 0n,
    });
  }
  const strategy = validateStrategy(
    {
      entry: { side: 'long', when: { kind: 'tick', tick: 2 }, sizing: { kind: 'martingale', base: '1', multiplier: '2', maxStake: '16' }, exit: { takeProfit: '1.5', stopLoss: '0.3' } },
      sideBet: { when: { kind: 'expected-value', min: -0.2 }, sizing: { kind: 'fixed', amount: '1' }, maxPerRound: 5 },
    },
    {},
  );
  if (!strategy.ok) throw new Error(JSON.stringify(strategy.problems));
  console.log(`bench/strategies: node ${process.version}, ${cpus().length} cores, ${ROUNDS} rounds at the default params`);

  const cache = new ReplayPathCache();
  let ticks = 0;
  const pathOf = (round: ReplayRound) => {
    const path = cache.pathOf(round);
    ticks += path.closes.length;
    return path;
  };
  for (const label of ['cold (paths regenerated)', 'warm (cached paths)', 'warm again']) {
    ticks = 0;
    const started = nowMs();
    const result = backtest(strategy.rules, strategy.limits, 1_000_000_000_000n, rounds, pathOf);
    const elapsed = nowMs() - started;
    console.log(`${label}: ${elapsed.toFixed(0)} ms for ${result.rounds.length} rounds, ${ticks} ticks (${((elapsed * 1000) / ticks).toFixed(2)} µs a tick), pnl ${result.session.pnl}`);
  }
  const started = nowMs();
  for (const round of rounds.slice(0, 1000)) recomputePath(round);
  console.log(`path regeneration alone: ${((nowMs() - started) / 1000).toFixed(2)} ms a round (1,000 rounds)`);
}

main();
