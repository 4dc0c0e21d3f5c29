import type { PriceQuote } from './price-quote';
import { priceOfTicks, ticksOf } from './decimal-price';

/** How one symbol moves in the simulator. Prices are decimal strings; the volatility is a model parameter, not money. */
export interface SimulatedMarket {
  startPrice: string;
  /** Price increment: every bid and ask is a multiple of it. */
  tick: string;
  /** Size increment of the quoted bid and ask sizes. */
  sizeStep: string;
  /** Annualized volatility of the random walk (0.6 = 60 %). */
  annualVolatility: number;
  /** Quoted spread in millionths of the price (10 = 0.1 bp), widened at random by up to 2×; at least one tick each side. */
  spreadPpm: number;
}

/** Roughly where these perps traded when the simulator was written, with Backpack's tick sizes. */
export const SIMULATED_MARKETS: Readonly<Record<string, SimulatedMarket>> = {
  BTC_USDC_PERP: { startPrice: '97000', tick: '0.1', sizeStep: '0.00001', annualVolatility: 0.55, spreadPpm: 10 },
  ETH_USDC_PERP: { startPrice: '3600', tick: '0.01', sizeStep: '0.0001', annualVolatility: 0.7, spreadPpm: 20 },
  SOL_USDC_PERP: { startPrice: '180', tick: '0.01', sizeStep: '0.01', annualVolatility: 0.9, spreadPpm: 50 },
  ADA_USDC_PERP: { startPrice: '0.95', tick: '0.0001', sizeStep: '1', annualVolatility: 0.85, spreadPpm: 100 },
};

/** A symbol the table does not know: a 100-dollar market with a cent tick. */
export const DEFAULT_SIMULATED_MARKET: SimulatedMarket = { startPrice: '100', tick: '0.01', sizeStep: '0.01', annualVolatility: 0.8, spreadPpm: 50 };

export function simulatedMarket(symbol: string): SimulatedMarket {
  return SIMULATED_MARKETS[symbol] ?? DEFAULT_SIMULATED_MARKET;
}

/** Where a symbol's walk starts: its last known quote (a new leader continues the previous one's prices). */
export interface SimulatorStart {
  mid?: string;
  /** The last update id published; the walk continues after it. */
  updateId?: number;
}

export interface SimulatorOptions {
  seed: string;
  intervalMs: number;
  start?: Record<string, SimulatorStart | undefined>;
  markets?: Record<string, SimulatedMarket>;
}

const YEAR_MS = 365 * 24 * 3600 * 1000;
const PPB = 1_000_000_000n;

/** mulberry32: small, fast and deterministic; the walks need repeatability, not unpredictability. */
class Mulberry32 {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Standard normal (Box-Muller). */
  gaussian(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}

/** FNV-1a: one independent stream per seed and symbol, so adding a symbol does not change the others' walks. */
function hash32(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

interface Walk {
  market: SimulatedMarket;
  random: Mulberry32;
  /** Mid in ticks. */
  ticks: bigint;
  /** One step's standard deviation in parts per billion of the price. */
  stepSigmaPpb: number;
  updateId: number;
}

/**
 * The default price feed: a seeded random walk per symbol, top of book around it. Each step moves the
 * mid (an integer number of ticks) by a normal draw scaled to the symbol's volatility and the step
 * interval; the bid and ask sit a few ticks either side. The draw is the only float: it becomes an
 * integer move in parts per billion before touching the price, which is bigint ticks throughout.
 * Pure: the same seed, start and call sequence give the same quotes.
 */
export class PriceSimulator {
  private readonly walks = new Map<string, Walk>();

  constructor(
    readonly symbols: readonly string[],
    options: SimulatorOptions,
  ) {
    for (const symbol of symbols) {
      const market = options.markets?.[symbol] ?? simulatedMarket(symbol);
      const start = options.start?.[symbol];
      const ticks = ticksOf(start?.mid ?? market.startPrice, market.tick);
      this.walks.set(symbol, {
        market,
        random: new Mulberry32(hash32(`${options.seed}:${symbol}`)),
        ticks: ticks > 0n ? ticks : 1n,
        stepSigmaPpb: market.annualVolatility * Math.sqrt(options.intervalMs / YEAR_MS) * 1e9,
        updateId: start?.updateId ?? 0,
      });
    }
  }

  /** One step of every symbol, stamped `now`. */
  step(now: number): PriceQuote[] {
    return this.symbols.map((symbol) => this.stepSymbol(symbol, now));
  }

  stepSymbol(symbol: string, now: number): PriceQuote {
    const walk = this.walks.get(symbol);
    if (!walk) throw new Error(`the simulator does not follow ${symbol}`);
    const movePpb = BigInt(Math.round(walk.random.gaussian() * walk.stepSigmaPpb));
    const move = (walk.ticks * movePpb + (movePpb < 0n ? -PPB / 2n : PPB / 2n)) / PPB;
    walk.ticks = walk.ticks + move > 1n ? walk.ticks + move : 1n;

    const { market, random } = walk;
    const spreadPpm = BigInt(Math.round(market.spreadPpm * (1 + random.next())));
    const halfSpread = (walk.ticks * spreadPpm + 1_999_999n) / 2_000_000n;
    const half = halfSpread > 0n ? halfSpread : 1n;
    const bidTicks = walk.ticks - half > 0n ? walk.ticks - half : 1n;
    walk.updateId += 1;
    return {
      symbol,
      bid: priceOfTicks(bidTicks, market.tick),
      ask: priceOfTicks(walk.ticks + half, market.tick),
      bidSize: priceOfTicks(BigInt(1 + Math.floor(random.next() * 50_000)), market.sizeStep),
      askSize: priceOfTicks(BigInt(1 + Math.floor(random.next() * 50_000)), market.sizeStep),
      updateId: walk.updateId,
      exchangeTime: now,
      receivedAt: now,
    };
  }

  /** The walk's current mid of `symbol` (the bid and ask sit around it). */
  mid(symbol: string): string {
    const walk = this.walks.get(symbol);
    if (!walk) throw new Error(`the simulator does not follow ${symbol}`);
    return priceOfTicks(walk.ticks, walk.market.tick);
  }
}
