/**
 * bench/rounds: how fast the pure rounds core is (cm-v1). Prints figures, asserts nothing.
 *   npm run bench:rounds
 * The last figure, settlement of a round with 10,000 open positions, runs the real settlement service
 * against PostgreSQL at DATABASE_URL (migrated if needed); use a scratch database.
 */
import { createHash } from 'node:crypto';
import { cpus } from 'node:os';
import { CandlePathGenerator, generateCandlePath } from '../../src/rounds/fairness/candle-path';
import { SeedChain } from '../../src/rounds/fairness/hash-chain';
import { formatPrice } from '../../src/rounds/fairness/price';
import { DEFAULT_ROUND_PARAMS, FAIRNESS_ALGORITHM, RoundParams } from '../../src/rounds/fairness/round-params';
import { roundSeedOf } from '../../src/rounds/fairness/round-seed';
import { verifyRound } from '../../src/rounds/fairness/round-verifier';
import { benchSettlement } from './settlement';

/** Rounds that never rug: same work per tick (draw(t, 0) is still drawn and compared), full length. */
const NO_RUG: RoundParams = { ...DEFAULT_ROUND_PARAMS, rugProbability: 0 };

function roundSeed(index: number): string {
  return roundSeedOf(createHash('sha256').update(`bench round ${index}`).digest('hex'), `bench salt ${index}`);
}

function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

function describeTimes(label: string, timesMs: number[], unit: 'ms' | 'µs'): void {
  const sorted = [...timesMs].sort((a, b) => a - b);
  const scale = unit === 'µs' ? 1000 : 1;
  const show = (value: number) => `${(value * scale).toFixed(unit === 'µs' ? 1 : 2)} ${unit}`;
  const mean = timesMs.reduce((sum, value) => sum + value, 0) / timesMs.length;
  console.log(
    `${label.padEnd(58)} mean ${show(mean)}  p50 ${show(percentile(sorted, 0.5))}  p99 ${show(percentile(sorted, 0.99))}  max ${show(sorted[sorted.length - 1])}  (n=${timesMs.length})`,
  );
}

function benchOneCandle(): void {
  // Warm up the JIT and the HMAC path first.
  for (const _candle of new CandlePathGenerator(roundSeed(-1), NO_RUG)) void _candle;
  const times: number[] = [];
  for (let round = 0; round < 10; round += 1) {
    const generator = new CandlePathGenerator(roundSeed(round), NO_RUG);
    for (;;) {
      const started = nowMs();
      const result = generator.next();
      times.push(nowMs() - started);
      if (result.done) break;
    }
  }
  describeTimes('one candle: generator.next() (4 sub-steps, 13 draws)', times, 'µs');
}

function benchFullPath(): void {
  const times: number[] = [];
  let highest = 0;
  for (let round = 100; round < 130; round += 1) {
    const started = nowMs();
    const path = generateCandlePath(roundSeed(round), NO_RUG);
    times.push(nowMs() - started);
    if (path.candles.length !== NO_RUG.maxTicks) throw new Error('a no-rug path must run to maxTicks');
    highest = Math.max(highest, path.finalClose);
  }
  describeTimes('full 5,000-tick path: generateCandlePath, rugProbability 0', times, 'ms');
}

function benchDefaultRounds(): void {
  const started = nowMs();
  let candles = 0;
  const rounds = 2000;
  for (let round = 1000; round < 1000 + rounds; round += 1) candles += generateCandlePath(roundSeed(round), DEFAULT_ROUND_PARAMS).candles.length;
  const elapsed = nowMs() - started;
  console.log(
    `${'default params: 2,000 rounds to their rug'.padEnd(58)} ${(elapsed / rounds).toFixed(2)} ms a round, ${((elapsed * 1000) / candles).toFixed(1)} µs a candle, ${(candles / rounds).toFixed(0)} candles a round on average`,
  );
}

function benchVerify(): void {
  const seed = createHash('sha256').update('bench verify').digest('hex');
  const salt = 'bench verify salt';
  const path = generateCandlePath(roundSeedOf(seed, salt), NO_RUG);
  const body = {
    roundId: 'bench',
    number: 1,
    algorithm: FAIRNESS_ALGORITHM,
    params: NO_RUG,
    serverSeed: seed,
    serverSeedHash: createHash('sha256').update(Buffer.from(seed, 'hex')).digest('hex'),
    salt,
    saltSource: 'server',
    roundSeed: roundSeedOf(seed, salt),
    rugTick: path.rugTick,
    candles: path.candles.map((c) => ({ roundId: 'bench', tick: c.tick, open: formatPrice(c.open), high: formatPrice(c.high), low: formatPrice(c.low), close: formatPrice(c.close) })),
  };
  const times: number[] = [];
  for (let run = 0; run < 10; run += 1) {
    const started = nowMs();
    if (!verifyRound(body).ok) throw new Error('the bench round must verify');
    times.push(nowMs() - started);
  }
  describeTimes('verifyRound of a 5,000-candle round', times, 'ms');
}

function benchSeedChain(): void {
  const firstSeed = createHash('sha256').update('bench chain').digest('hex');
  const builds: number[] = [];
  let chain = SeedChain.fromFirstSeed(firstSeed, 10_000);
  for (let run = 0; run < 5; run += 1) {
    const started = nowMs();
    chain = SeedChain.fromFirstSeed(firstSeed, 10_000);
    builds.push(nowMs() - started);
  }
  describeTimes('seed chain of 10,000: build from s[0] (load / restore)', builds, 'ms');
  const lookups: number[] = [];
  for (let k = 1; k <= 10_000; k += 37) {
    const started = nowMs();
    chain.serverSeedForRound(k);
    lookups.push(nowMs() - started);
  }
  describeTimes('seed chain: serverSeedForRound(k)', lookups, 'µs');
}

console.log(`bench/rounds (${FAIRNESS_ALGORITHM}) on Node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown cpu'})`);
benchOneCandle();
benchFullPath();
benchDefaultRounds();
benchVerify();
benchSeedChain();
benchSettlement().catch((error: unknown) => {
  console.error(`settlement bench failed (it needs PostgreSQL at DATABASE_URL): ${(error as Error).message}`);
  process.exitCode = 1;
});
