import { Injectable, OnModuleInit } from '@nestjs/common';
import { OnDomainEvent } from '../common/events/on-domain-event.decorator';
import { RealtimeEvent, RealtimePublisher } from '../realtime/realtime.publisher';
import { RealtimeChannels } from '../realtime/realtime-channels';
import { RealtimeSnapshots } from '../realtime/realtime-snapshots';
import { ListMarketsQueryDto } from './market.dto';
import { MarketQueriesService } from './market-queries.service';
import { MarketEvent, MarketStateEvent, MarketTradedEvent } from './markets.events';

/** How many open markets a new subscriber of `markets` gets in its snapshot (the newest). */
const MARKETS_SNAPSHOT_SIZE = 50;

/**
 * Turns the markets' domain events into broadcasts: `market:update` (prices, volume, status) and
 * `market:trade` on `market:<id>`; `market:created`, `market:closed`, `market:resolved` on `markets`
 * (a cancellation is `market:resolved` with status CANCELLED). New subscribers get the market (or the
 * first page of open markets) as the REST API shows it.
 */
@Injectable()
export class MarketsRealtime implements OnModuleInit {
  constructor(
    private readonly publisher: RealtimePublisher,
    private readonly channels: RealtimeChannels,
    private readonly snapshots: RealtimeSnapshots,
    private readonly queries: MarketQueriesService,
  ) {}

  onModuleInit(): void {
    this.channels.register('markets', () => undefined);
    this.channels.register('market', (channel) => this.queries.assertExists(channel.marketId));
    this.snapshots.register('market', (channel) => this.queries.detail(channel.marketId));
    this.snapshots.register('markets', () => this.queries.list(Object.assign(new ListMarketsQueryDto(), { status: 'OPEN', limit: MARKETS_SNAPSHOT_SIZE })));
  }

  @OnDomainEvent(MarketEvent.Traded)
  onTraded(event: MarketTradedEvent): void {
    const { userId: _trader, ...trade } = event;
    this.publisher.marketUpdate(event.marketId, stateOf(event));
    this.publisher.marketTrade(event.marketId, trade);
  }

  @OnDomainEvent(MarketEvent.Created)
  onCreated(event: MarketStateEvent): void {
    this.publisher.marketLifecycle(RealtimeEvent.MarketCreated, event);
  }

  @OnDomainEvent(MarketEvent.Updated)
  onUpdated(event: MarketStateEvent): void {
    this.publisher.marketUpdate(event.marketId, event);
  }

  @OnDomainEvent(MarketEvent.Closed)
  onClosed(event: MarketStateEvent): void {
    this.publisher.marketUpdate(event.marketId, event);
    this.publisher.marketLifecycle(RealtimeEvent.MarketClosed, event);
  }

  @OnDomainEvent(MarketEvent.Resolved)
  onResolved(event: MarketStateEvent): void {
    this.publisher.marketUpdate(event.marketId, event);
    this.publisher.marketLifecycle(RealtimeEvent.MarketResolved, event);
  }

  /** The refunds are being paid: subscribers see CANCELLING; `market:resolved` waits for CANCELLED. */
  @OnDomainEvent(MarketEvent.Cancelling)
  onCancelling(event: MarketStateEvent): void {
    this.publisher.marketUpdate(event.marketId, event);
  }

  @OnDomainEvent(MarketEvent.Cancelled)
  onCancelled(event: MarketStateEvent): void {
    this.onResolved(event);
  }
}

function stateOf(event: MarketTradedEvent): MarketStateEvent {
  return { marketId: event.marketId, status: event.status, prices: event.prices, volume: event.volume, resolvedOutcome: event.resolvedOutcome };
}
