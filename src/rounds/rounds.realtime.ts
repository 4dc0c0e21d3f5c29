import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { OnDomainEvent } from '../common/events/on-domain-event.decorator';
import { RealtimePublisher, RoundTarget } from '../realtime/realtime.publisher';
import { RealtimeChannels } from '../realtime/realtime-channels';
import { RealtimeSnapshots } from '../realtime/realtime-snapshots';
import { RoundCandleEvent, RoundEndedEvent, RoundEvent, RoundStateEvent, RoundTradeEvent } from './rounds.events';
import { RoundsService } from './rounds.service';

/**
 * Turns rounds domain events into `round:state`, `round:candle`, `round:trade` and `round:ended` on
 * `round:<id>` (and on `rounds` while the round is the live one), and answers new subscribers of
 * those channels with the round's state and its recent candles. Positions and side bets reach their
 * player as `position:update` through `position.updated` (UsersRealtime).
 */
@Injectable()
export class RoundsRealtime implements OnModuleInit {
  /** The round the engine drives now; a later settlement of an older round is not news for `rounds`. */
  private liveRoundId: string | null = null;
  private readonly logger = new Logger('RoundsRealtime');

  constructor(
    private readonly publisher: RealtimePublisher,
    private readonly channels: RealtimeChannels,
    private readonly snapshots: RealtimeSnapshots,
    private readonly rounds: RoundsService,
  ) {}

  onModuleInit(): void {
    this.channels.register('rounds', () => undefined);
    this.channels.register('round', (channel) => this.rounds.assertExists(channel.roundId));
    this.snapshots.register('rounds', () => this.rounds.snapshot());
    this.snapshots.register('round', (channel) => this.rounds.snapshot(channel.roundId));
  }

  @OnDomainEvent(RoundEvent.State)
  onState(event: RoundStateEvent): void {
    const status = event.round.status;
    if (status === 'PENDING' || status === 'ACTIVE') this.liveRoundId = event.roundId;
    this.send(() => this.publisher.roundState(event.roundId, event.round, this.target(event.roundId, status)));
  }

  @OnDomainEvent(RoundEvent.Candle)
  onCandle(event: RoundCandleEvent): void {
    this.send(() => this.publisher.roundCandle(event.roundId, event.candle, this.target(event.roundId)));
  }

  @OnDomainEvent(RoundEvent.Trade)
  onTrade(event: RoundTradeEvent): void {
    this.send(() => this.publisher.roundTrade(event.roundId, { roundId: event.roundId, ...event.trade }, this.target(event.roundId)));
  }

  @OnDomainEvent(RoundEvent.Ended)
  onEnded(event: RoundEndedEvent): void {
    this.send(() => this.publisher.roundEnded(event.roundId, event.result, this.target(event.roundId, 'ENDED')));
  }

  /** A broadcast that fails (Redis reconnecting, the process shutting down) must not fail the engine that caused it. */
  private send(broadcast: () => void): void {
    try {
      broadcast();
    } catch (error) {
      this.logger.warn(`round broadcast dropped: ${(error as Error).message}`);
    }
  }

  /**
   * Engine events come from the leader's process, trades from whichever instance took the command:
   * both are about the live round unless a newer one is known here. A settlement (SETTLED, or the
   * refund of a VOIDED round) goes to `rounds` only if no newer round started meanwhile.
   */
  private target(roundId: string, status?: string): RoundTarget {
    if (this.liveRoundId === null || this.liveRoundId === roundId) return { current: true };
    return { current: status === 'PENDING' || status === 'ACTIVE' };
  }
}
