/**
 * The pure order book (src/markets/book) against fasenderos/nodejs-order-book (`hft-limit-order-book`) on the
 * same 1,000,000-command workload in the same process: exchange-core's mix, 9% GTC, 3% IOC, 6% cancel, 82% move,
 * about 1,000 resting orders (bench/book/book-workload.mjs, a verbatim copy of shared/bench/book-workload.mjs).
 *
 * Run: npm run bench:book [-- --commands 1000000 --rounds 3]
 *
 * Both books get the same ids (strings), prices and sizes, converted before the clock starts. A move is each
 * library's own amend: `amend(id, price)` here, `modify(id, {price})` there; both cancel and re-place the
 * remaining size at the back of the new level, matching if it crosses. Our book also computes a 1% taker fee
 * on every fill, builds its fill records and sequenced level deltas; owners are one per order so self-trade
 * prevention never fires (the other book has none). After each round the two books' depths must be equal.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { OrderBook as HftOrderBook, Side as HftSide } from 'hft-limit-order-book';
import { OrderBook } from '../../src/markets/book';

type WorkloadCommand = ['gtc' | 'ioc', number, 'buy' | 'sell', number, number] | ['cancel', number] | ['move', number, number];

const TICKS_PER_UNIT = 10_000; // the workload's prices sit around tick 5000
const LOT = BigInt(TICKS_PER_UNIT);

const GTC = 0;
const IOC = 1;
const CANCEL = 2;
const MOVE = 3;

interface Prepared {
  readonly kinds: Uint8Array;
  readonly ids: string[];
  readonly buys: Uint8Array;
  readonly prices: Int32Array;
  readonly sizes: Float64Array;
  readonly units: bigint[];
}

function argument(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? Number(process.argv[index + 1]) : fallback;
}

function prepare(commands: WorkloadCommand[]): Prepared {
  const n = commands.length;
  const prepared: Prepared = {
    kinds: new Uint8Array(n),
    ids: new Array<string>(n),
    buys: new Uint8Array(n),
    prices: new Int32Array(n),
    sizes: new Float64Array(n),
    units: new Array<bigint>(n).fill(0n),
  };
  commands.forEach((command, index) => {
    prepared.ids[index] = String(command[1]);
    if (command[0] === 'gtc' || command[0] === 'ioc') {
      const [kind, , side, price, size] = command;
      prepared.kinds[index] = kind === 'gtc' ? GTC : IOC;
      prepared.buys[index] = side === 'buy' ? 1 : 0;
      prepared.prices[index] = price;
      prepared.sizes[index] = size;
      prepared.units[index] = BigInt(size) * LOT;
    } else if (command[0] === 'cancel') {
      prepared.kinds[index] = CANCEL;
    } else {
      const [, , price] = command as ['move', number, number];
      prepared.kinds[index] = MOVE;
      prepared.prices[index] = price;
    }
  });
  return prepared;
}

function runOurs(work: Prepared): { seconds: number; book: OrderBook; fills: number } {
  const book = new OrderBook({ ticksPerUnit: TICKS_PER_UNIT, takerFeeBps: 100 });
  const { kinds, ids, buys, prices, units } = work;
  let fills = 0;
  const started = process.hrtime.bigint();
  for (let i = 0; i < kinds.length; i += 1) {
    const kind = kinds[i];
    if (kind === GTC || kind === IOC) {
      const result = book.place({ id: ids[i], owner: ids[i], side: buys[i] ? 'buy' : 'sell', price: prices[i], shares: units[i], timeInForce: kind === GTC ? 'GTC' : 'IOC' });
      fills += result.fills.length;
    } else if (kind === CANCEL) {
      book.cancel(ids[i]);
    } else {
      fills += book.amend(ids[i], prices[i]).fills.length;
    }
  }
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, book, fills };
}

function runTheirs(work: Prepared): { seconds: number; book: HftOrderBook; fills: number } {
  const book = new HftOrderBook();
  const { kinds, ids, buys, prices, sizes } = work;
  let fills = 0;
  const started = process.hrtime.bigint();
  for (let i = 0; i < kinds.length; i += 1) {
    const kind = kinds[i];
    if (kind === GTC || kind === IOC) {
      const result = book.limit({ id: ids[i], side: buys[i] ? HftSide.BUY : HftSide.SELL, price: prices[i], size: sizes[i], timeInForce: kind === GTC ? 'GTC' : 'IOC' });
      fills += result.done.length;
    } else if (kind === CANCEL) {
      book.cancel(ids[i]);
    } else {
      fills += book.modify(ids[i], { price: prices[i] }).done.length;
    }
  }
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, book, fills };
}

/** Both books' levels as `side price size` lines, sizes in the workload's units. */
function depthOf(ours: OrderBook): string[] {
  const snapshot = ours.snapshot();
  return [
    ...snapshot.asks.map((level) => `ask ${level.price} ${level.shares / LOT}`),
    ...snapshot.bids.map((level) => `bid ${level.price} ${level.shares / LOT}`),
  ];
}

function depthOfTheirs(theirs: HftOrderBook): string[] {
  const [asks, bids] = theirs.depth();
  return [
    ...[...asks].sort((a, b) => a[0] - b[0]).map(([price, size]) => `ask ${price} ${size}`),
    ...[...bids].sort((a, b) => b[0] - a[0]).map(([price, size]) => `bid ${price} ${size}`),
  ];
}

function perSecond(commands: number, seconds: number): string {
  return Math.round(commands / seconds).toLocaleString('en-US');
}

async function main(): Promise<void> {
  const commandCount = argument('commands', 1_000_000);
  const rounds = argument('rounds', 3);
  const workloadUrl = pathToFileURL(resolve(__dirname, '../../../bench/book/book-workload.mjs')).href;
  const { workload } = (await import(workloadUrl)) as { workload: (n: number, seed: number) => WorkloadCommand[] };
  const work = prepare(workload(commandCount, 42));
  console.log(`order book workload: ${commandCount.toLocaleString('en-US')} commands, seed 42, ${rounds} rounds each, alternating; Node ${process.version}`);

  const ours: number[] = [];
  const theirs: number[] = [];
  const ratios: number[] = [];
  for (let round = 1; round <= rounds; round += 1) {
    const a = runOurs(work);
    const b = runTheirs(work);
    const same = JSON.stringify(depthOf(a.book)) === JSON.stringify(depthOfTheirs(b.book));
    if (!same) throw new Error(`round ${round}: the two books ended with different depths`);
    ours.push(a.seconds);
    theirs.push(b.seconds);
    ratios.push(b.seconds / a.seconds);
    console.log(
      `round ${round}: ours ${perSecond(commandCount, a.seconds)} commands/s (${a.fills} fill records), ` +
        `hft-limit-order-book ${perSecond(commandCount, b.seconds)} commands/s (${b.fills} done orders), ` +
        `${(b.seconds / a.seconds).toFixed(2)}×; ` +
        `final depth identical (${a.book.size} resting orders)`,
    );
  }
  const median = (values: number[]): number => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)];
  const oursMedian = median(ours);
  const theirsMedian = median(theirs);
  // Rounds alternate, so each round's ratio compares two runs seconds apart: the figure least moved by other load.
  console.log(`ratio per round: ${ratios.map((ratio) => ratio.toFixed(2)).join(', ')}; median ${median(ratios).toFixed(2)}×, lowest ${Math.min(...ratios).toFixed(2)}×`);
  console.log('| book | commands/s (median) | best round |');
  console.log('|---|---|---|');
  console.log(`| src/markets/book | ${perSecond(commandCount, oursMedian)} | ${perSecond(commandCount, Math.min(...ours))} |`);
  console.log(`| hft-limit-order-book | ${perSecond(commandCount, theirsMedian)} | ${perSecond(commandCount, Math.min(...theirs))} |`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
