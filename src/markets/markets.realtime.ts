import { Injectable, OnModuleInit } from '@nestjs/common';
import { OnDomainEvent } from '../common/events/on-domain-event.decorator';
import { RealtimeEvent, RealtimePublisher } from '../realtime/realtime.publisher';
import { RealtimeChannels } from '../realtime/realtime-channels';
import { RealtimeSnapshots } from '../realtime/realtime-snapshots';
import { ListMarketsQueryDto } from './market.dto';
import { MarketQueriesService } from './market-queries.service';
import { MarketEvent, MarketBookChangedEvent, MarketStateEvent, MarketTradedEvent } from './markets.events';
import { MarketOrdersService } from './market-orders.service';
import { UnknownOutcome } from './market-errors';
import { NotFound } from '../common/errors/domain-error';
import { MarketTradeBroadcasts } from './market-trade-broadcasts';

/** How many open markets a new subscriber of `markets` gets in its snapshot (the newest). */
const MARKETS_SNAPSHOT_SIZE = 50;
/** Levels per side in a `book:*` subscriber's snapshot. */
const BOOK_SNAPSHOT_DEPTH = 100;

/**
 * Turns the markets' domain events into broadcasts: `market:update` (prices, volume, status) and
 * `market:trade` on `market:<id>`; `market:created`, `market:closed`, `market:resolved` on `markets`
 * (a cancellation is `market:resolved` with status CANCELLED). New subscribers get the market (or the
 * first page of open markets) as the REST API shows it. The trades of one batch share one `market:update`
 * (see MarketTradeBroadcasts).
 */
@Injectable()
export class MarketsRealtime implements OnModuleInit {
  private readonly trades: MarketTradeBroadcasts;

  constructor(
    private readonly publisher: RealtimePublisher,
    private readonly channels: RealtimeChannels,
    private readonly snapshots: RealtimeSnapshots,
    private readonly queries: MarketQueriesService,
    private readonly orders: MarketOrdersService,
  ) {
    this.trades = new MarketTradeBroadcasts(publisher);
  }

  onModuleInit(): void {
    this.channels.register('markets', () => undefined);
    this.channels.register('market', (channel) => this.queries.assertExists(channel.marketId));
    // `book:<marketId>:<outcome>` (index or label): the ack carries the aggregated book and its sequence; `book:update` deltas follow.
    this.channels.register('book', async (channel) => {
      try {
        await this.orders.book(channel.marketId, channel.outcome, 1);
      } catch (error) {
        // A market without that outcome has no such book: refused like an unknown market.
        if (error instanceof UnknownOutcome) throw new NotFound(error.message);
        throw error;
      }
    });
    this.snapshots.register('book', (channel) => this.orders.book(channel.marketId, channel.outcome, BOOK_SNAPSHOT_DEPTH));
    this.snapshots.register('market', (channel) => this.queries.detail(channel.marketId));
    this.snapshots.register('markets', () => this.queries.list(Object.assign(new ListMarketsQueryDto(), { status: 'OPEN', limit: MARKETS_SNAPSHOT_SIZE })));
  }

  @OnDomainEvent(MarketEvent.Traded)
  onTraded(event: MarketTradedEvent): void {
    this.trades.add(event);
  }

  @OnDomainEvent(MarketEvent.BookChanged)
  onBookChanged(event: MarketBookChangedEvent): void {
    for (const delta of event.deltas) this.publisher.bookUpdate(event.marketId, String(event.outcome), delta);
  }

  @OnDomainEvent(MarketEvent.Created)
  onCreated(event: MarketStateEvent): void {
    this.publisher.marketLifecycle(RealtimeEvent.MarketCreated, event);
  }

  @OnDomainEvent(MarketEvent.Updated)
  onUpdated(event: MarketStateEvent): void {
    this.trades.flush(event.marketId);
    this.publisher.marketUpdate(event.marketId, event);
  }

  @OnDomainEvent(MarketEvent.Closed)
  onClosed(event: MarketStateEvent): void {
    this.trades.flush(event.marketId);
    this.publisher.marketUpdate(event.marketId, event);
    this.publisher.marketLifecycle(RealtimeEvent.MarketClosed, event);
  }

  @OnDomainEvent(MarketEvent.Resolved)
  onResolved(event: MarketStateEvent): void {
    this.trades.flush(event.marketId);
    this.publisher.marketUpdate(event.marketId, event);
    this.publisher.marketLifecycle(RealtimeEvent.MarketResolved, event);
  }

  /** The refunds are being paid: subscribers see CANCELLING; `market:resolved` waits for CANCELLED. */
  @OnDomainEvent(MarketEvent.Cancelling)
  onCancelling(event: MarketStateEvent): void {
    this.trades.flush(event.marketId);
    this.publisher.marketUpdate(event.marketId, event);
  }

  @OnDomainEvent(MarketEvent.Cancelled)
  onCancelled(event: MarketStateEvent): void {
    this.onResolved(event);
  }
}
