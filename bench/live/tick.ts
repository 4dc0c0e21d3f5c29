import { SeededRandom } from '../../src/markets/amm/seeded-random';
import { PRICE_DECIMALS, formatPrice, parsePrice } from '../../src/trades/core/price';
import { TriggerEntry, TriggerIndex } from '../../src/trades/core/trigger-index';

/**
 * Tick processing of the perps trigger index, in process (no database):
 *   100,000 open positions and pending orders spread over 4 symbols, each with a liquidation price and
 *   (often) a stop-loss / take-profit 2-20% away from the price, pending orders 1-10% away.
 *   quiet      a tick that crosses nothing (the common case): parse the quote, ask the index
 *   k fire     a tick that crosses k entries placed next to the price (`takeCrossed`, then re-added untimed)
 * A tick is timed from the quote's decimal strings to the list of crossed entries.
 *
 * Usage: npm run bench:live:tick [-- --entries 100000 --ticks 20000]
 */

const SYMBOLS = ['BTC_USDC_PERP', 'ETH_USDC_PERP', 'SOL_USDC_PERP', 'ADA_USDC_PERP'];
const CENTRES = ['65000', '3200', '150', '0.45'].map((price) => parsePrice(price));

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? Number(process.argv[index + 1]) : fallback;
}

/** `centre × (1 ± fraction)`, fraction drawn in [low, high] percent. */
function away(random: SeededRandom, centre: bigint, lowPercent: number, highPercent: number, direction: 1 | -1): bigint {
  const basisPoints = BigInt(random.int(lowPercent * 100, highPercent * 100));
  return centre + (BigInt(direction) * centre * basisPoints) / 10_000n;
}

function randomEntry(random: SeededRandom, id: string, centre: bigint): TriggerEntry {
  const side = random.pick(['long', 'short'] as const);
  const direction = side === 'long' ? -1 : 1;
  if (random.next() < 0.3) {
    const type = random.pick(['limit', 'stop'] as const);
    // A long limit waits below the ask, a long stop above it; a short mirrored.
    const below = (side === 'long') === (type === 'limit');
    return { kind: 'order', id, side, type, price: away(random, centre, 1, 10, below ? -1 : 1) };
  }
  const liquidationPrice = away(random, centre, 5, 20, direction);
  const stopLoss = random.next() < 0.6 ? away(random, centre, 2, 4, direction) : undefined;
  const takeProfit = random.next() < 0.6 ? away(random, centre, 2, 20, direction === 1 ? -1 : 1) : undefined;
  return { kind: 'position', id, side, liquidationPrice, stopLoss, takeProfit };
}

interface Row {
  scenario: string;
  ticks: number;
  fired: number;
  p50: number;
  p99: number;
  max: number;
}

function percentiles(scenario: string, samples: number[], fired: number): Row {
  samples.sort((a, b) => a - b);
  const at = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))] ?? 0;
  return { scenario, ticks: samples.length, fired, p50: at(0.5), p99: at(0.99), max: samples[samples.length - 1] ?? 0 };
}

function main(): void {
  const entries = option('entries', 100_000);
  const ticks = option('ticks', 20_000);
  const random = new SeededRandom(1);
  const indexes = SYMBOLS.map((symbol) => new TriggerIndex(symbol));

  const buildStarted = performance.now();
  for (let i = 0; i < entries; i++) {
    const s = i % SYMBOLS.length;
    indexes[s].add(randomEntry(random, `e${i}`, CENTRES[s]));
  }
  const buildMs = performance.now() - buildStarted;
  const legs = indexes.reduce((sum, index) => sum + index.legCount, 0);

  // The quote as the feed hands it over: decimal strings, a one-unit-of-the-last-place spread, wobbling ±0.5%.
  const quoteAt = (s: number): { bid: string; ask: string } => {
    const mid = away(random, CENTRES[s], 0, 0.5, random.pick([1, -1] as const));
    const spread = CENTRES[s] / 100_000n || 1n;
    return { bid: formatPrice(mid), ask: formatPrice(mid + spread) };
  };

  const rows: Row[] = [];
  // Warm-up so the JIT has compiled the tick path before timing.
  for (let t = 0; t < 2_000; t++) {
    const s = t % SYMBOLS.length;
    const quote = quoteAt(s);
    indexes[s].crossed(parsePrice(quote.bid), parsePrice(quote.ask));
  }

  {
    const samples: number[] = [];
    let fired = 0;
    for (let t = 0; t < ticks; t++) {
      const s = t % SYMBOLS.length;
      const quote = quoteAt(s);
      const started = performance.now();
      const crossed = indexes[s].crossed(parsePrice(quote.bid), parsePrice(quote.ask));
      samples.push(performance.now() - started);
      fired += crossed.length;
    }
    rows.push(percentiles('quiet (nothing fires)', samples, fired));
  }

  for (const burst of [5, 50]) {
    const samples: number[] = [];
    let fired = 0;
    for (let t = 0; t < ticks / 4; t++) {
      const s = t % SYMBOLS.length;
      const centre = CENTRES[s];
      // `burst` long stops sitting just under the bid: the tick at `centre` crosses all of them.
      const hot: TriggerEntry[] = Array.from({ length: burst }, (_, k) => ({
        kind: 'position',
        id: `hot-${t}-${k}`,
        side: 'long',
        liquidationPrice: away(random, centre, 5, 20, -1),
        stopLoss: centre + BigInt(k + 1),
      }));
      for (const entry of hot) indexes[s].add(entry);
      const bid = formatPrice(centre);
      const ask = formatPrice(centre + 1n);
      const started = performance.now();
      const crossed = indexes[s].takeCrossed(parsePrice(bid), parsePrice(ask));
      samples.push(performance.now() - started);
      fired += crossed.length;
    }
    rows.push(percentiles(`${burst} fire per tick (takeCrossed)`, samples, fired));
  }

  const format = (ms: number) => `${(ms * 1000).toFixed(1)} µs`;
  console.log(`\nTrigger index, ${entries.toLocaleString('en')} positions and orders over ${SYMBOLS.length} symbols (${legs.toLocaleString('en')} trigger legs), prices at ${PRICE_DECIMALS} decimals; built in ${buildMs.toFixed(0)} ms; node ${process.version}\n`);
  console.log('| scenario | ticks | fired | p50 | p99 | max |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const row of rows) console.log(`| ${row.scenario} | ${row.ticks} | ${row.fired} | ${format(row.p50)} | ${format(row.p99)} | ${format(row.max)} |`);
  console.log('\nTarget: quiet-tick p99 below 1 ms.');
}

main();
