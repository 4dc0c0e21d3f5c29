import { Injectable, OnModuleInit } from '@nestjs/common';
import { OnDomainEvent } from '../common/events/on-domain-event.decorator';
import { RealtimeChannels } from '../realtime/realtime-channels';
import { RealtimePublisher } from '../realtime/realtime.publisher';
import { RealtimeSnapshots } from '../realtime/realtime-snapshots';
import { CreatorQueriesService } from './creator-queries.service';
import { CreatorEvent, CreatorStateEvent, CreatorTradedEvent } from './creators.events';

/**
 * `creator:trade` (without the trader) and `creator:update` on `creator:<creatorId>`; a new subscriber gets the
 * creator as `GET /api/v1/creators/:creatorId` shows it.
 */
@Injectable()
export class CreatorsRealtime implements OnModuleInit {
  constructor(
    private readonly publisher: RealtimePublisher,
    private readonly channels: RealtimeChannels,
    private readonly snapshots: RealtimeSnapshots,
    private readonly queries: CreatorQueriesService,
  ) {}

  onModuleInit(): void {
    this.channels.register('creator', (channel) => this.queries.assertExists(channel.creatorId));
    this.snapshots.register('creator', (channel) => this.queries.detail(channel.creatorId));
  }

  @OnDomainEvent(CreatorEvent.Traded)
  onTraded(event: CreatorTradedEvent): void {
    const { userId: _trader, state, ...trade } = event;
    this.publisher.creatorTrade(event.creatorId, trade);
    this.publisher.creatorUpdate(event.creatorId, state);
  }

  @OnDomainEvent(CreatorEvent.Updated)
  onUpdated(event: CreatorStateEvent): void {
    this.publisher.creatorUpdate(event.creatorId, event);
  }
}
