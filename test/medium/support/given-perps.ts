import { DataSource } from 'typeorm';
import { parseUsdc } from '../../../src/common/money/usdc';
import type { CommandOutcome, EngineCommand, LeadershipListener, LocalCommand } from '../../../src/engine/venue';
import type { PriceQuote } from '../../../src/trades/feed/price-quote';
import { TradingService } from '../../../src/trades/trading.service';
import { PerpCommandType, type TickPayload } from '../../../src/trades/venue/perp-commands';
import { PERP_ENGINE, type PerpEngine } from '../../../src/trades/venue/perp-engine';
import { PerpVenue, type PerpShardState, type TickResult } from '../../../src/trades/venue/perp-venue';
import { PERP_MARKET_CATALOG, PERP_PRICE_BOARD, PERP_VOLUME, type PerpMarketCatalog, type PerpMarketRules, type PerpPriceBoard, type PerpVolume } from '../../../src/trades/venue/perp-venue-deps';
import type { MediumModule } from './medium-module';

/**
 * Symbols of this run only: the database is shared with the e2e suites, whose open positions on the real
 * symbols would otherwise load into these shards and fire on these scenarios' ticks.
 */
const RUN = `${process.pid}${Date.now() % 100_000}`;
export const BTC = `BTC${RUN}_USDC_PERP`;
export const ETH = `ETH${RUN}_USDC_PERP`;

/** The feed as a scenario drives it: set a quote, make a symbol stale. */
export class ScriptedPriceBoard implements PerpPriceBoard {
  private readonly quotes = new Map<string, PriceQuote>();
  private readonly stale = new Set<string>();
  private readonly listeners = new Set<(quote: PriceQuote) => void>();
  private updateId = 0;
  readonly staleMs = 5000;

  isKnown(symbol: string): boolean {
    return symbol.includes('_USDC_PERP');
  }

  latest(symbol: string): PriceQuote | null {
    return this.quotes.get(symbol) ?? null;
  }

  isStale(symbol: string): boolean {
    return this.stale.has(symbol) || !this.quotes.has(symbol);
  }

  onQuote(listener: (quote: PriceQuote) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  quote(symbol: string, bid: string, ask: string): PriceQuote {
    const now = Date.now();
    const quote: PriceQuote = { symbol, bid, ask, bidSize: '1', askSize: '1', updateId: ++this.updateId, exchangeTime: now, receivedAt: now };
    this.quotes.set(symbol, quote);
    this.stale.delete(symbol);
    for (const listener of this.listeners) listener(quote);
    return quote;
  }

  goStale(symbol: string): void {
    this.stale.add(symbol);
  }
}

export const DEFAULT_RULES: PerpMarketRules = { maxLeverage: 50, takerFeeBps: 5, maintenanceMarginBps: 50, minMargin: 1_000_000n, halted: false };

export class ScriptedCatalog implements PerpMarketCatalog {
  readonly markets = new Map<string, PerpMarketRules>([
    [BTC, { ...DEFAULT_RULES }],
    [ETH, { ...DEFAULT_RULES }],
  ]);

  rules(symbol: string): Promise<PerpMarketRules | undefined> {
    return Promise.resolve(this.markets.get(symbol));
  }

  /** Symbols removed from `markets` (PERP_SYMBOLS) whose shards still run, as PerpSymbols keeps them while something is open. */
  readonly windingDown = new Set<string>();

  isTraded(symbol: string): boolean {
    return this.markets.has(symbol);
  }

  symbols(): string[] {
    return [...this.markets.keys(), ...this.windingDown];
  }

  /** Removed from PERP_SYMBOLS; `windingDown` keeps its shard running (PERP_WIND_DOWN_ENABLED), else it has none. */
  delist(symbol: string, windingDown: boolean): void {
    this.markets.delete(symbol);
    if (windingDown) this.windingDown.add(symbol);
    else this.windingDown.delete(symbol);
  }
}

/**
 * The venue engine reduced to what the venue's rules need: this process leads every shard, each command is its
 * own batch in one transaction (serialised per shard), a command id seen before answers its first outcome, and a
 * failed batch reloads the shard from PostgreSQL, as the real engine does.
 */
export class InProcessPerpEngine implements PerpEngine {
  private readonly states = new Map<string, PerpShardState>();
  private readonly queues = new Map<string, Promise<unknown>>();
  private readonly outcomes = new Map<string, CommandOutcome>();
  batches = 0;
  /** Local commands answered by applyWithoutWrites, without a transaction. */
  withoutWrites = 0;

  constructor(
    private readonly dataSource: DataSource,
    private readonly venue: PerpVenue,
  ) {}

  submit(symbol: string, command: EngineCommand): Promise<CommandOutcome> {
    return this.enqueue(symbol, command);
  }

  submitLocal(symbol: string, command: LocalCommand): Promise<CommandOutcome> {
    return this.enqueue(symbol, { ...command, id: command.id ?? `local:${Math.random()}` });
  }

  isLeader(): boolean {
    return true;
  }

  onLeadership(_listener: LeadershipListener): void {}

  /** A new leader: the in-memory state is dropped and rebuilt from PostgreSQL on the next command. */
  forgetState(): void {
    this.states.clear();
  }

  private enqueue(symbol: string, command: EngineCommand): Promise<CommandOutcome> {
    const run = (this.queues.get(symbol) ?? Promise.resolve()).then(() => this.applyOne(symbol, command));
    this.queues.set(
      symbol,
      run.catch(() => undefined),
    );
    return run;
  }

  private async applyOne(symbol: string, command: EngineCommand): Promise<CommandOutcome> {
    const seen = this.outcomes.get(command.id);
    if (seen) return seen;
    // As the engine does for an unrecorded local command while the shard is idle (it is: commands run one by one here).
    const loaded = command.id.startsWith('local:') ? this.states.get(symbol) : undefined;
    const immediate = loaded ? this.venue.applyWithoutWrites(loaded, command) : null;
    if (immediate) {
      this.withoutWrites += 1;
      return immediate;
    }
    try {
      const [outcome] = await this.dataSource.transaction(async (manager) => {
        let state = this.states.get(symbol);
        if (!state) this.states.set(symbol, (state = await this.venue.load(manager, symbol)));
        return this.venue.applyBatch(manager, state, [command], symbol);
      });
      this.batches += 1;
      if (!command.id.startsWith('local:')) this.outcomes.set(command.id, outcome);
      return outcome;
    } catch (error) {
      this.states.delete(symbol);
      throw error;
    }
  }
}

/** Traded notional per symbol, as the venue reported it (the candles are the feed's to test). */
export class RecordedVolume implements PerpVolume {
  readonly bySymbol = new Map<string, bigint>();

  recordVolume(symbol: string, notional: string): Promise<void> {
    this.bySymbol.set(symbol, (this.bySymbol.get(symbol) ?? 0n) + parseUsdc(notional, 'notional', 'nonNegative'));
    return Promise.resolve();
  }
}

/** The perps venue's services with a scripted feed and catalog and the in-process engine. */
export function perpsVenue() {
  const board = new ScriptedPriceBoard();
  const catalog = new ScriptedCatalog();
  const volume = new RecordedVolume();
  return {
    board,
    catalog,
    volume,
    providers: [
      { provide: PERP_PRICE_BOARD, useValue: board },
      { provide: PERP_MARKET_CATALOG, useValue: catalog },
      { provide: PERP_VOLUME, useValue: volume },
      PerpVenue,
      { provide: PERP_ENGINE, useFactory: (dataSource: DataSource, venue: PerpVenue) => new InProcessPerpEngine(dataSource, venue), inject: [DataSource, PerpVenue] },
      TradingService,
    ],
  };
}

/** A quote on the scripted feed (every instance's board sees it at once). */
export function givenPerpQuote(board: ScriptedPriceBoard, symbol: string, bid: string, ask: string): PriceQuote {
  return board.quote(symbol, bid, ask);
}

/** A quote, and the tick its shard's leader applies for it; answers what fired. */
export async function tickAt(medium: MediumModule, board: ScriptedPriceBoard, symbol: string, bid: string, ask: string): Promise<TickResult> {
  const quote = board.quote(symbol, bid, ask);
  const payload: TickPayload = { bid: quote.bid, ask: quote.ask, updateId: quote.updateId, receivedAt: quote.receivedAt };
  const outcome = await medium.module.get<InProcessPerpEngine>(PERP_ENGINE).submitLocal(symbol, { type: PerpCommandType.Tick, payload });
  if (!outcome.ok) throw new Error(`tick refused: ${outcome.refusal.message}`);
  return outcome.result as TickResult;
}
