import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram } from 'prom-client';
import { MetricsService } from '../../health/metrics.service';
import { PerpPrices } from './perp-prices';

export type DroppedQuoteReason = 'malformed' | 'not_newer';
export type CandleFlushResult = 'stored' | 'fenced' | 'failed';

/**
 * The price feed's Prometheus metrics. The counters and the flush histogram move on the feed leader only;
 * `perp_feed_seconds_since_last_quote` is every instance's own view (its PerpPrices), read at scrape time.
 */
@Injectable()
export class FeedMetrics {
  readonly quotesReceived: Counter<'symbol'>;
  readonly quotesDropped: Counter<'reason'>;
  readonly reconnects: Counter;
  readonly secondsSinceLastQuote: Gauge<'symbol'>;
  readonly candleFlushSeconds: Histogram<'result'>;
  readonly candlesPruned: Counter<'interval'>;

  constructor(metrics: MetricsService, prices: PerpPrices) {
    const registers = [metrics.registry];
    this.quotesReceived = new Counter({
      name: 'perp_feed_quotes_total',
      help: 'Quotes the feed leader took from its source (simulator or Backpack), per symbol',
      labelNames: ['symbol'] as const,
      registers,
    });
    this.quotesDropped = new Counter({
      name: 'perp_feed_quotes_dropped_total',
      help: 'Backpack frames the feed leader dropped: malformed (unreadable, binary, bad fields) or not_newer (an update id not above the last one kept)',
      labelNames: ['reason'] as const,
      registers,
    });
    this.reconnects = new Counter({
      name: 'perp_feed_reconnects_total',
      help: 'Times the feed leader’s Backpack connection closed and a reconnect was scheduled',
      registers,
    });
    this.secondsSinceLastQuote = new Gauge({
      name: 'perp_feed_seconds_since_last_quote',
      help: 'Seconds since the feed received the latest quote this instance holds, per symbol the feed follows (PERP_SYMBOLS and any winding down; +Inf before the first); above FEED_STALE_MS the symbol is stale',
      labelNames: ['symbol'] as const,
      registers,
      collect: () => {
        const now = Date.now();
        for (const symbol of prices.symbols) {
          const quote = prices.latest(symbol);
          this.secondsSinceLastQuote.set({ symbol }, quote ? Math.max(0, now - quote.receivedAt) / 1000 : Infinity);
        }
      },
    });
    this.candleFlushSeconds = new Histogram({
      name: 'perp_feed_candle_flush_seconds',
      help: 'Duration of the feed leader’s fenced candle upsert (about once a second), by result: stored, fenced (a newer leader claimed the candles), failed',
      labelNames: ['result'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    this.candlesPruned = new Counter({
      name: 'perp_candles_pruned_total',
      help: 'Candle rows deleted by the feed leader for being older than their retention (1m: CANDLE_1M_RETENTION_DAYS)',
      labelNames: ['interval'] as const,
      registers,
    });
  }
}
