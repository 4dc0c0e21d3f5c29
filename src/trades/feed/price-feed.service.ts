import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import Redis from 'ioredis';
import { AppConfig } from '../../config/app-config';
import { DomainEventBus } from '../../common/events/domain-event-bus';
import { LeaderLease } from '../../redis/leader-lease';
import { REDIS } from '../../redis/redis.module';
import { TradesEvent } from '../trades.events';
import { BackpackStream } from './backpack-stream';
import { CandleAggregator } from './candle-aggregator';
import { midPrice } from './decimal-price';
import { FeedMetrics } from './feed-metrics';
import { PerpCandles, StoredCandle } from './perp-candles.service';
import { PerpPrices, PublishedQuote, quotesChannel, quotesKey } from './perp-prices';
import type { PriceQuote } from './price-quote';
import type { QuoteSource } from './quote-source';
import { SimulatorSource } from './simulator-source';
import { buildTicker, DayStats } from './ticker';

/** Writes the latest quote and publishes it, only while the lease (KEYS[1]) still holds this leader's token. */
const PUBLISH_QUOTE = `
local holder = redis.call('get', KEYS[1])
local suffix = ':' .. ARGV[1]
if not holder or string.sub(holder, -string.len(suffix)) ~= suffix then return 0 end
redis.call('hset', KEYS[2], ARGV[2], ARGV[3])
redis.call('publish', KEYS[3], ARGV[3])
return 1`;

/** Candles are upserted (and broadcast) this often. */
const CANDLE_FLUSH_MS = 1000;
/** At most 10 tickers a second per symbol. */
const TICKER_MIN_GAP_MS = 100;
const IDLE_POLL_MS = 250;
/** Old 1m candles are deleted at most this often (and once on takeover). */
const CANDLE_PRUNE_EVERY_MS = 3_600_000;
const DAY_MS = 86_400_000;

class LeadershipLost extends Error {}

/**
 * The price feed: one instance at a time (a Redis lease with a fencing token, `${prefix}:perps:feed-leader`),
 * on APP_ROLE engine/all when PRICE_FEED_ENABLED. The leader runs the quote source (the simulator, or
 * Backpack's stream), writes each quote to a Redis hash and publishes it (one script that first checks
 * the lease still carries its token, so a paused ex-leader writes nothing), builds candles from the mid
 * prices and upserts them about once a second, and raises `perp.ticker` (throttled) and `perp.candle`.
 * Every instance reads the quotes through PerpPrices.
 *
 * The candle upserts are fenced in PostgreSQL: on takeover the leader claims the `perp_feed_leader` row of its
 * lease with its token before its source starts, and every upsert runs only while that row still holds the
 * token (see PerpCandles.upsertPrices), so a paused ex-leader's late flush writes nothing and steps it down.
 * Once an hour the leader also deletes 1m candles older than CANDLE_1M_RETENTION_DAYS.
 */
@Injectable()
export class PriceFeedService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('PriceFeed');
  private readonly lease: LeaderLease;
  private running = false;
  private loopDone: Promise<void> = Promise.resolve();
  private wake: (() => void) | null = null;
  private lastRenewAt = 0;
  private lastFlushAt = 0;
  private source: QuoteSource | null = null;
  /** What the running source follows (PerpPrices.symbols when it started). */
  private sourceSymbols: readonly string[] = [];
  private aggregator = new CandleAggregator();
  private readonly dayStats = new Map<string, DayStats>();
  private readonly latestQuotes = new Map<string, PriceQuote>();
  private readonly tickerTimers = new Map<string, NodeJS.Timeout>();
  private readonly lastTickerAt = new Map<string, number>();
  private publishFailures = 0;
  private lastPruneAt = 0;
  /** The prune run in flight, if any: apart from the loop, so a long first run never delays a lease renewal. */
  private pruning: Promise<void> = Promise.resolve();

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly config: AppConfig,
    private readonly prices: PerpPrices,
    private readonly candles: PerpCandles,
    private readonly events: DomainEventBus,
    private readonly metrics: FeedMetrics,
  ) {
    this.lease = new LeaderLease(redis, this.leaseKey, config.feedLeaseMs);
  }

  private get leaseKey(): string {
    return `${this.config.redisKeyPrefix}:perps:feed-leader`;
  }

  get isLeader(): boolean {
    return this.lease.token !== null;
  }

  /** The running source (tests read a Backpack stream's counters). */
  get activeSource(): QuoteSource | null {
    return this.source;
  }

  onApplicationBootstrap(): void {
    if (!this.config.priceFeedEnabled || (this.config.appRole !== 'engine' && this.config.appRole !== 'all')) return;
    this.running = true;
    this.loopDone = this.loop();
  }

  /** A first-phase shutdown hook: the source stops and the last candles are stored while Redis and PostgreSQL are open. */
  async onModuleDestroy(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loopDone;
    await this.pruning;
    if (this.isLeader) {
      await this.stopSource();
      await this.flushCandles().catch((error: Error) => this.logger.warn(`last candle flush failed: ${error.message}`));
    }
    await this.lease.release().catch(() => undefined);
  }

  private async loop(): Promise<void> {
    while (this.running) {
      let delay = IDLE_POLL_MS;
      try {
        delay = await this.step();
      } catch (error) {
        if (error instanceof LeadershipLost) this.logger.warn(`lost the feed lease: ${error.message}`);
        else this.logger.error(`price feed step failed, stepping down: ${(error as Error).stack ?? String(error)}`);
        await this.stepDown(!(error instanceof LeadershipLost));
      }
      if (this.running && delay > 0) await this.sleep(delay);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }

  private get renewEveryMs(): number {
    return Math.max(20, Math.floor(this.config.feedLeaseMs / 3));
  }

  private async step(): Promise<number> {
    const now = Date.now();
    if (!this.isLeader) {
      const token = await this.lease.acquire();
      if (token === null) return this.renewEveryMs;
      this.lastRenewAt = now;
      if (!(await this.claimCandles(token))) return 0;
      this.logger.log(`price feed leader (fencing token ${token}), source ${this.config.priceFeed}`);
      await this.takeOver();
    } else if (now - this.lastRenewAt >= this.renewEveryMs) {
      if (!(await this.lease.renew())) throw new LeadershipLost('lease expired or taken');
      this.lastRenewAt = now;
      await this.followNewSymbols();
    }
    if (now - this.lastFlushAt >= CANDLE_FLUSH_MS) {
      this.lastFlushAt = now;
      await this.flushCandles();
    }
    if (now - this.lastPruneAt >= CANDLE_PRUNE_EVERY_MS) {
      this.lastPruneAt = now;
      this.pruneOldCandles();
    }
    return Math.max(10, Math.min(this.renewEveryMs - (Date.now() - this.lastRenewAt), CANDLE_FLUSH_MS - (Date.now() - this.lastFlushAt)));
  }

  /**
   * Claims the candles for `token` before anything is written. A claim refused because the row holds this
   * token or a newer one means the Redis fence counter fell behind PostgreSQL (Redis lost its data): the
   * counter is raised past the stored token and the lease given back, so the next pass draws a token that wins.
   */
  private async claimCandles(token: number): Promise<boolean> {
    const claim = await this.candles.claimFeed(this.leaseKey, token);
    if (claim.claimed) return true;
    this.logger.warn(`the candle fence holds token ${claim.token}, not below ours (${token}): raising the Redis fence counter and taking the lease again`);
    await this.lease.raiseFenceTo(claim.token);
    await this.lease.release();
    return false;
  }

  /** 1m candles past CANDLE_1M_RETENTION_DAYS. Not fenced: deleting rows this old twice, or late, changes nothing. */
  private pruneOldCandles(): void {
    const before = new Date(Date.now() - this.config.candle1mRetentionDays * DAY_MS);
    this.pruning = this.pruning
      .then(() => this.candles.pruneBefore(this.prices.symbols, '1m', before, 5000, () => this.running && this.isLeader))
      .then((deleted) => {
        this.metrics.candlesPruned.inc({ interval: '1m' }, deleted);
        if (deleted > 0) this.logger.log(`pruned ${deleted} 1m candles older than ${before.toISOString()}`);
      })
      .catch((error: Error) => this.logger.warn(`could not prune old 1m candles, retrying within the hour: ${error.message}`));
  }

  private async takeOver(): Promise<void> {
    this.aggregator = new CandleAggregator();
    this.latestQuotes.clear();
    for (const symbol of this.prices.symbols) this.dayStats.set(symbol, await this.candles.dayStats(symbol));
    this.source = this.createSource();
    this.source.start((quote) => this.onQuote(quote));
  }

  /**
   * A symbol began or ended winding down (removed from PERP_SYMBOLS with positions still open, see PerpSymbols):
   * the source starts again on the new list. The candles in progress are kept.
   */
  private async followNewSymbols(): Promise<void> {
    const symbols = this.prices.symbols;
    if (!this.source || (symbols.length === this.sourceSymbols.length && symbols.every((symbol, i) => symbol === this.sourceSymbols[i]))) return;
    this.logger.log(`now following ${symbols.join(', ')}`);
    await this.stopSource();
    for (const symbol of symbols) if (!this.dayStats.has(symbol)) this.dayStats.set(symbol, await this.candles.dayStats(symbol));
    this.source = this.createSource();
    this.source.start((quote) => this.onQuote(quote));
  }

  private createSource(): QuoteSource {
    const symbols = [...this.prices.symbols];
    this.sourceSymbols = symbols;
    if (this.config.priceFeed === 'backpack') {
      return new BackpackStream({
        url: this.config.backpackWsUrl,
        symbols,
        staleMs: this.config.feedStaleMs,
        log: { info: (message) => this.logger.log(message), warn: (message) => this.logger.warn(message) },
        observer: {
          dropped: (reason) => this.metrics.quotesDropped.inc({ reason }),
          reconnecting: () => this.metrics.reconnects.inc(),
        },
      });
    }
    // A new leader continues from the last published prices and ids instead of jumping back to the start.
    const start = Object.fromEntries(
      symbols.map((symbol) => {
        const quote = this.prices.latest(symbol);
        return [symbol, quote ? { mid: midPrice(quote.bid, quote.ask), updateId: quote.updateId } : undefined];
      }),
    );
    return new SimulatorSource(symbols, { seed: this.config.priceFeedSeed ?? randomUUID(), intervalMs: this.config.priceFeedIntervalMs, start });
  }

  private async stopSource(): Promise<void> {
    const source = this.source;
    this.source = null;
    for (const timer of this.tickerTimers.values()) clearTimeout(timer);
    this.tickerTimers.clear();
    await source?.stop().catch((error: Error) => this.logger.warn(`stopping the quote source: ${error.message}`));
  }

  private async stepDown(release: boolean): Promise<void> {
    await this.stopSource();
    if (release) await this.lease.release().catch(() => this.lease.forget());
    else this.lease.forget();
  }

  private onQuote(quote: PriceQuote): void {
    const token = this.lease.token;
    if (token === null || !this.source) return;
    this.metrics.quotesReceived.inc({ symbol: quote.symbol });
    this.latestQuotes.set(quote.symbol, quote);
    this.aggregator.apply(quote.symbol, midPrice(quote.bid, quote.ask), quote.exchangeTime);
    this.publish({ quote, token });
    this.scheduleTicker(quote.symbol);
  }

  private publish(published: PublishedQuote): void {
    const prefix = this.config.redisKeyPrefix;
    this.redis
      .eval(PUBLISH_QUOTE, 3, this.leaseKey, quotesKey(prefix), quotesChannel(prefix), String(published.token), published.quote.symbol, JSON.stringify(published))
      .then((written) => {
        if (written === 1 || !this.isLeader || this.lease.token !== published.token) return;
        // The lease no longer carries this token: another instance leads now.
        this.logger.warn('a quote was refused: the feed lease is held by another leader; stepping down');
        this.wake?.();
        void this.stepDown(false);
      })
      .catch((error: Error) => {
        this.publishFailures += 1;
        if (this.publishFailures <= 5 || this.publishFailures % 100 === 0) this.logger.warn(`could not publish a quote (${this.publishFailures} failures): ${error.message}`);
      });
  }

  /** Leading edge at once, then at most one per TICKER_MIN_GAP_MS carrying the latest quote (trailing edge). */
  private scheduleTicker(symbol: string): void {
    if (this.tickerTimers.has(symbol)) return;
    const wait = (this.lastTickerAt.get(symbol) ?? 0) + TICKER_MIN_GAP_MS - Date.now();
    if (wait <= 0) return this.emitTicker(symbol);
    this.tickerTimers.set(
      symbol,
      setTimeout(() => {
        this.tickerTimers.delete(symbol);
        if (this.source) this.emitTicker(symbol);
      }, wait),
    );
  }

  private emitTicker(symbol: string): void {
    const quote = this.latestQuotes.get(symbol);
    if (!quote) return;
    this.lastTickerAt.set(symbol, Date.now());
    const ticker = buildTicker(quote, this.dayStats.get(symbol) ?? { open: null, high: null, low: null, volume: '0' }, false);
    this.events.publishCommitted({ name: TradesEvent.Ticker, payload: { symbol, ticker } });
  }

  private async flushCandles(): Promise<void> {
    const token = this.lease.token;
    if (token === null) return;
    const changed = this.aggregator.drainChanged();
    if (changed.length === 0) return;
    const endTimer = this.metrics.candleFlushSeconds.startTimer();
    let stored: StoredCandle[] | null;
    try {
      stored = await this.candles.upsertPrices(changed, { feed: this.leaseKey, token });
    } catch (error) {
      endTimer({ result: 'failed' });
      this.aggregator.markChanged(changed);
      this.logger.warn(`could not store ${changed.length} candles, retrying next flush: ${(error as Error).message}`);
      return;
    }
    if (stored === null) {
      endTimer({ result: 'fenced' });
      throw new LeadershipLost(`a newer feed leader claimed the candles; ${changed.length} candles of token ${token} not written`);
    }
    endTimer({ result: 'stored' });
    for (const candle of stored) this.events.publishCommitted({ name: TradesEvent.Candle, payload: { symbol: candle.symbol, candle } });
    const symbols = new Set(changed.map((candle) => candle.symbol));
    for (const symbol of symbols) {
      this.dayStats.set(symbol, await this.candles.dayStats(symbol).catch(() => this.dayStats.get(symbol) ?? { open: null, high: null, low: null, volume: '0' }));
    }
  }
}
