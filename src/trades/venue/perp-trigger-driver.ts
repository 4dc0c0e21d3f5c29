import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit, Optional } from '@nestjs/common';
import { Histogram } from 'prom-client';
import { MetricsService } from '../../health/metrics.service';
import type { PriceQuote } from '../feed/price-quote';
import { PERPS_VENUE, PerpCommandType, type ExpirePayload, type TickPayload } from './perp-commands';
import { PERP_ENGINE, type PerpEngine } from './perp-engine';
import { PERP_PRICE_BOARD, type PerpPriceBoard } from './perp-venue-deps';

/** How often the leader of a shard raises an `expire` command for orders whose expiresAt passed. */
export const ORDER_EXPIRY_SWEEP_MS = 1000;

/**
 * Drives each shard this instance leads: every quote of its symbol becomes a local `tick` command (coalesced:
 * while one tick is in the engine only the newest quote waits, older ones are dropped, since a tick fires what
 * its own bid/ask crosses and the newest is the one that matters), a timer raises `expire`, and taking over a
 * shard submits the latest quote at once, so what crossed while no one led fires on the first tick.
 */
@Injectable()
export class PerpTriggerDriver implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('PerpTriggers');
  private readonly waiting = new Map<string, PriceQuote>();
  private readonly ticking = new Set<string>();
  private readonly led = new Set<string>();
  private stops: (() => void)[] = [];
  private expiryTimer?: NodeJS.Timeout;
  private readonly tickLag?: Histogram<'venue'>;

  constructor(
    @Inject(PERP_ENGINE) private readonly engine: PerpEngine,
    @Inject(PERP_PRICE_BOARD) private readonly prices: PerpPriceBoard,
    @Optional() metrics?: MetricsService,
  ) {
    if (metrics) {
      this.tickLag = new Histogram({
        name: 'engine_tick_lag_seconds',
        help: 'From a price quote reaching this instance to its tick command committed (or answered) by the venue engine, per venue; ticks a newer quote replaced are not counted',
        labelNames: ['venue'] as const,
        buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
        registers: [metrics.registry],
      });
    }
  }

  onModuleInit(): void {
    this.stops.push(this.prices.onQuote((quote) => this.onQuote(quote)));
    this.engine.onLeadership((change) => {
      if (change.venue !== PERPS_VENUE) return;
      if (!change.leading) {
        this.led.delete(change.shard);
        return;
      }
      this.led.add(change.shard);
      // What crossed while no one led fires on this first tick.
      const latest = this.prices.latest(change.shard);
      if (latest) this.onQuote(latest);
    });
    this.expiryTimer = setInterval(() => this.sweepExpiries(), ORDER_EXPIRY_SWEEP_MS);
    this.expiryTimer.unref();
  }

  onModuleDestroy(): void {
    for (const stop of this.stops) stop();
    this.stops = [];
    clearInterval(this.expiryTimer);
  }

  /** Queues the quote as its symbol's next tick (replacing one not yet submitted) and drains the queue. */
  onQuote(quote: PriceQuote): void {
    if (!this.engine.isLeader(quote.symbol)) return;
    this.waiting.set(quote.symbol, quote);
    if (!this.ticking.has(quote.symbol)) void this.drain(quote.symbol);
  }

  private async drain(symbol: string): Promise<void> {
    this.ticking.add(symbol);
    try {
      for (let quote = this.waiting.get(symbol); quote; quote = this.waiting.get(symbol)) {
        this.waiting.delete(symbol);
        if (!this.engine.isLeader(symbol)) break;
        const payload: TickPayload = { bid: quote.bid, ask: quote.ask, updateId: quote.updateId, receivedAt: quote.receivedAt };
        const submitted = this.engine.submitLocal(symbol, { type: PerpCommandType.Tick, payload });
        if (submitted === false) break;
        const outcome = await submitted.catch((error: Error) => {
          this.logger.warn(`tick ${symbol} not applied: ${error.message}`);
          return null;
        });
        if (outcome && !outcome.ok) this.logger.warn(`tick ${symbol} refused: ${outcome.refusal.message}`);
        if (outcome) this.tickLag?.observe({ venue: PERPS_VENUE }, Math.max(0, Date.now() - quote.receivedAt) / 1000);
      }
    } finally {
      this.ticking.delete(symbol);
    }
  }

  private sweepExpiries(): void {
    for (const symbol of this.led) {
      if (!this.engine.isLeader(symbol)) continue;
      const payload: ExpirePayload = { now: Date.now() };
      const submitted = this.engine.submitLocal(symbol, { type: PerpCommandType.Expire, payload });
      if (submitted) void submitted.catch((error: Error) => this.logger.warn(`expiry ${symbol} not applied: ${error.message}`));
    }
  }
}
