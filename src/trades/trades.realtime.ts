import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { NotFound } from '../common/errors/domain-error';
import { OnDomainEvent } from '../common/events/on-domain-event.decorator';
import { RealtimePublisher } from '../realtime/realtime.publisher';
import { RealtimeChannels } from '../realtime/realtime-channels';
import { RealtimeSnapshots } from '../realtime/realtime-snapshots';
import { CANDLE_INTERVALS, isCandleInterval } from './feed/candle-aggregator';
import { PerpPrices } from './feed/perp-prices';
import { PerpMarketData } from './perp-market-data.service';
import { PerpCandleEvent, PerpTickerEvent, TradesEvent } from './trades.events';

/**
 * Opens `ticker:<symbol>` (snapshot: the ticker as REST shows it, or null before the first price) and
 * `candles:<symbol>:<interval>` (snapshot: the latest candle broadcast, `{candle}`), for the symbols the feed follows only,
 * and turns the feed leader's `perp.ticker` / `perp.candle` into `ticker` and `candle` broadcasts. The
 * Redis adapter carries them to every instance, so only the leader raises them.
 */
@Injectable()
export class TradesRealtime implements OnModuleInit {
  private readonly logger = new Logger('TradesRealtime');

  constructor(
    private readonly publisher: RealtimePublisher,
    private readonly channels: RealtimeChannels,
    private readonly snapshots: RealtimeSnapshots,
    private readonly prices: PerpPrices,
    private readonly marketData: PerpMarketData,
  ) {}

  onModuleInit(): void {
    this.channels.register('ticker', (channel) => this.prices.assertKnown(channel.symbol));
    this.channels.register('candles', (channel) => {
      this.prices.assertKnown(channel.symbol);
      if (!isCandleInterval(channel.interval)) throw new NotFound(`Candles come in ${CANDLE_INTERVALS.join(', ')}, not "${channel.interval}"`);
    });
    this.snapshots.register('ticker', (channel) => this.marketData.tickerOrNull(channel.symbol));
  }

  @OnDomainEvent(TradesEvent.Ticker)
  onTicker(event: PerpTickerEvent): void {
    this.send(() => this.publisher.ticker(event.symbol, event.ticker));
  }

  @OnDomainEvent(TradesEvent.Candle)
  onCandle(event: PerpCandleEvent): void {
    const { symbol: _symbol, interval, ...candle } = event.candle;
    this.send(() => this.publisher.candle(event.symbol, interval, { symbol: event.symbol, interval, ...candle }));
  }

  /** A broadcast that fails (Redis reconnecting, shutdown) must not stop the feed that caused it. */
  private send(broadcast: () => void): void {
    try {
      broadcast();
    } catch (error) {
      this.logger.warn(`market-data broadcast dropped: ${(error as Error).message}`);
    }
  }
}
