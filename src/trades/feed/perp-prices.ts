import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import Redis from 'ioredis';
import { AppConfig } from '../../config/app-config';
import { REDIS } from '../../redis/redis.module';
import { isDecimalString } from './decimal-price';
import { UnknownSymbol } from '../perp-errors';
import { PriceFeedStale } from './feed-errors';
import type { PriceBoard, PriceQuote } from './price-quote';

/** What the leader writes to the hash and publishes: the quote and the fencing token of the leader that sent it. */
export interface PublishedQuote {
  quote: PriceQuote;
  token: number;
}

export function quotesKey(prefix: string): string {
  return `${prefix}:perps:quotes`;
}

export function quotesChannel(prefix: string): string {
  return `${prefix}:perps:quotes`;
}

/** Reads a published quote back, or null for anything else (never throws). */
export function readPublishedQuote(text: string): PublishedQuote | null {
  try {
    const value = JSON.parse(text) as { quote?: Partial<PriceQuote>; token?: unknown };
    const quote = value.quote;
    if (!quote || typeof value.token !== 'number' || typeof quote.symbol !== 'string') return null;
    if (![quote.bid, quote.ask, quote.bidSize, quote.askSize].every(isDecimalString)) return null;
    if (![quote.updateId, quote.exchangeTime, quote.receivedAt].every((n) => typeof n === 'number' && Number.isFinite(n))) return null;
    return value as PublishedQuote;
  } catch {
    return null;
  }
}

/** The quote of `symbol` if it is known and fresh; throws UnknownSymbol or PriceFeedStale otherwise. */
export function freshQuote(board: PriceBoard & { isKnown(symbol: string): boolean; readonly staleMs: number }, symbol: string, now = Date.now()): PriceQuote {
  if (!board.isKnown(symbol)) throw new UnknownSymbol(symbol);
  const quote = board.latest(symbol);
  if (!quote || board.isStale(symbol, now)) throw new PriceFeedStale(symbol, quote?.receivedAt ?? null, board.staleMs);
  return quote;
}

/**
 * Every instance's view of the price feed (PriceBoard). The feed leader (PriceFeedService, one instance at
 * a time) writes each quote to a Redis hash and publishes it; this class reads the hash at boot, so a new
 * instance knows prices at once, then follows the channel on its own connection (a `duplicate()`), keeps
 * the latest quote per symbol and calls local listeners. Messages from a leader older than one already
 * heard (a lower fencing token) are ignored, so a paused ex-leader cannot move prices back.
 */
@Injectable()
export class PerpPrices implements PriceBoard, OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('PerpPrices');
  private readonly quotes = new Map<string, PriceQuote>();
  private readonly listeners = new Set<(quote: PriceQuote) => void>();
  /** PERP_SYMBOLS, then the symbols removed from it that still hold open positions or orders (see `follow`). */
  private followed: readonly string[];
  private known: ReadonlySet<string>;
  private subscriber: Redis | null = null;
  private highestToken = 0;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly config: AppConfig,
  ) {
    this.followed = [...config.perpSymbols];
    this.known = new Set(this.followed);
  }

  /** The symbols the feed follows: PERP_SYMBOLS and any winding down (removed from it with positions still open). */
  get symbols(): readonly string[] {
    return this.followed;
  }

  /**
   * Follows PERP_SYMBOLS and `windingDown` from now on (PerpSymbols calls it on every instance): their quotes are
   * taken in, and the feed leader subscribes to them. A symbol newly followed is read from the hash at once.
   */
  follow(windingDown: readonly string[]): void {
    const followed = [...new Set([...this.config.perpSymbols, ...windingDown])];
    const added = followed.some((symbol) => !this.known.has(symbol));
    this.followed = followed;
    this.known = new Set(followed);
    if (added && this.subscriber) void this.reload();
  }

  get staleMs(): number {
    return this.config.feedStaleMs;
  }

  isKnown(symbol: string): boolean {
    return this.known.has(symbol);
  }

  assertKnown(symbol: string): void {
    if (!this.known.has(symbol)) throw new UnknownSymbol(symbol);
  }

  async onModuleInit(): Promise<void> {
    const subscriber = this.redis.duplicate();
    this.subscriber = subscriber;
    subscriber.on('error', (error) => this.logger.warn(`quote subscriber: ${error.message}`));
    subscriber.on('message', (_channel: string, message: string) => this.receive(message));
    // Subscribe before reading the hash: a quote published in between is then seen, never missed.
    await subscriber.subscribe(quotesChannel(this.config.redisKeyPrefix));
    // A reconnected subscriber may have missed quotes: read the hash again.
    subscriber.on('ready', () => void this.reload());
    await this.reload();
  }

  async onModuleDestroy(): Promise<void> {
    const subscriber = this.subscriber;
    this.subscriber = null;
    await subscriber?.quit().catch(() => subscriber.disconnect());
  }

  latest(symbol: string): PriceQuote | null {
    return this.quotes.get(symbol) ?? null;
  }

  /** Stale when there is no quote, or the newest one is older than FEED_STALE_MS (measured from when the feed received it). */
  isStale(symbol: string, now = Date.now()): boolean {
    const quote = this.quotes.get(symbol);
    return !quote || now - quote.receivedAt > this.config.feedStaleMs;
  }

  /** The fresh quote of `symbol`, or UnknownSymbol (404) / PriceFeedStale (503). What trading code calls. */
  freshQuote(symbol: string, now = Date.now()): PriceQuote {
    return freshQuote(this, symbol, now);
  }

  onQuote(listener: (quote: PriceQuote) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Takes a published quote in (from the channel or the hash); false when it is not news. */
  accept(published: PublishedQuote): boolean {
    const { quote, token } = published;
    if (!this.known.has(quote.symbol) || token < this.highestToken) return false;
    const current = this.quotes.get(quote.symbol);
    if (current && token === this.highestToken && quote.updateId <= current.updateId && quote.receivedAt <= current.receivedAt) return false;
    this.highestToken = token;
    this.quotes.set(quote.symbol, quote);
    for (const listener of this.listeners) {
      try {
        listener(quote);
      } catch (error) {
        this.logger.error(`quote listener failed: ${(error as Error).stack ?? String(error)}`);
      }
    }
    return true;
  }

  private receive(message: string): void {
    const published = readPublishedQuote(message);
    if (!published) {
      this.logger.warn(`ignored an unreadable quote message: ${message.slice(0, 200)}`);
      return;
    }
    this.accept(published);
  }

  private async reload(): Promise<void> {
    try {
      const stored = await this.redis.hgetall(quotesKey(this.config.redisKeyPrefix));
      // Oldest leader first: each symbol's field was written by whichever leader last held the feed.
      const published = Object.values(stored)
        .map(readPublishedQuote)
        .filter((entry): entry is PublishedQuote => entry !== null)
        .sort((a, b) => a.token - b.token);
      for (const entry of published) if (this.isNewer(entry)) this.accept(entry);
    } catch (error) {
      this.logger.warn(`could not read the latest quotes: ${(error as Error).message}`);
    }
  }

  /** A stored quote replaces the in-memory one only if it is more recent (the hash may trail the channel). */
  private isNewer({ quote }: PublishedQuote): boolean {
    const current = this.quotes.get(quote.symbol);
    return !current || quote.receivedAt > current.receivedAt;
  }
}
