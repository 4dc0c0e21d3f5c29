import { Injectable, Logger } from '@nestjs/common';
import { Histogram } from 'prom-client';
import { RequestContext } from '../common/request-context';
import { MetricsService } from '../health/metrics.service';
import { rooms } from './channels';
import { RealtimeServer } from './realtime-server';
import { RealtimeSnapshots } from './realtime-snapshots';

/** Server → client event names: the public contract. */
export const RealtimeEvent = {
  RoundState: 'round:state',
  RoundCandle: 'round:candle',
  RoundTrade: 'round:trade',
  RoundEnded: 'round:ended',
  MarketUpdate: 'market:update',
  MarketTrade: 'market:trade',
  Ticker: 'ticker',
  Candle: 'candle',
  BookUpdate: 'book:update',
  PositionUpdate: 'position:update',
  OrderUpdate: 'order:update',
  BalanceUpdate: 'balance:update',
  WithdrawalUpdate: 'withdrawal:update',
  DepositUpdate: 'deposit:update',
  Notification: 'notification',
  SystemMaintenance: 'system:maintenance',
  MarketCreated: 'market:created',
  MarketClosed: 'market:closed',
  MarketResolved: 'market:resolved',
  CreatorTrade: 'creator:trade',
  CreatorUpdate: 'creator:update',
  StrategyUpdate: 'strategy:update',
  BacktestProgress: 'backtest:progress',
} as const;
export type RealtimeEventName = (typeof RealtimeEvent)[keyof typeof RealtimeEvent];

export interface BalanceUpdate {
  asset: string;
  available: string;
  locked: string;
}

export interface MaintenanceNotice {
  message: string;
  /** ISO 8601. */
  startsAt: string;
}

/** Round events go to `round:<id>`, and also to `rounds` while that round is the current one. */
export interface RoundTarget {
  current?: boolean;
}

/**
 * The only code that broadcasts to rooms. Its callers are the `*.realtime.ts` listeners of each
 * module, which turn domain events (delivered after their transaction commits, see DomainEventBus)
 * into broadcasts. Payloads are the objects the REST API returns for the same thing.
 *
 * A broadcast made while a request (or a job it enqueued) runs carries `{ requestId }` as a second argument.
 *
 * State-like events (`round:state`, `round:ended`, `market:update`, `ticker`, `candle`, `book:update`) are
 * also cached per channel as the default snapshot a new subscriber receives.
 */
@Injectable()
export class RealtimePublisher {
  private readonly logger = new Logger(RealtimePublisher.name);
  private droppedForShutdown = 0;
  private readonly broadcastSeconds: Histogram<'event'>;

  constructor(
    private readonly server: RealtimeServer,
    private readonly snapshots: RealtimeSnapshots,
    metrics: MetricsService,
  ) {
    this.broadcastSeconds = new Histogram({
      name: 'realtime_broadcast_seconds',
      help: 'Time to hand one broadcast to Socket.IO and the Redis adapter (serialize, local sockets, publish), by event',
      labelNames: ['event'] as const,
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1],
      registers: [metrics.registry],
    });
  }

  roundState(roundId: string, state: object, target: RoundTarget = { current: true }): void {
    const channels = this.roundRooms(roundId, target);
    this.toChannels(channels, RealtimeEvent.RoundState, state, channels);
  }

  roundCandle(roundId: string, candle: object, target: RoundTarget = { current: true }): void {
    this.toChannels(this.roundRooms(roundId, target), RealtimeEvent.RoundCandle, candle);
  }

  roundTrade(roundId: string, trade: object, target: RoundTarget = { current: true }): void {
    this.toChannels(this.roundRooms(roundId, target), RealtimeEvent.RoundTrade, trade);
  }

  roundEnded(roundId: string, result: object, target: RoundTarget = { current: true }): void {
    const channels = this.roundRooms(roundId, target);
    this.toChannels(channels, RealtimeEvent.RoundEnded, result, channels);
  }

  /** To `market:<id>` (cached as its snapshot) and to the `markets` list channel (whose snapshot is the list's job). */
  marketUpdate(marketId: string, market: object): void {
    this.toChannels([rooms.market(marketId), rooms.markets()], RealtimeEvent.MarketUpdate, market, [rooms.market(marketId)]);
  }

  marketTrade(marketId: string, trade: object): void {
    this.toChannels([rooms.market(marketId)], RealtimeEvent.MarketTrade, trade);
  }

  /** A prediction market opened, closed, or was resolved (or cancelled): to the `markets` list channel. */
  marketLifecycle(event: typeof RealtimeEvent.MarketCreated | typeof RealtimeEvent.MarketClosed | typeof RealtimeEvent.MarketResolved, market: object): void {
    this.toChannels([rooms.markets()], event, market);
  }

  ticker(symbol: string, ticker: object): void {
    this.toChannels([rooms.ticker(symbol)], RealtimeEvent.Ticker, ticker, [rooms.ticker(symbol)]);
  }

  /** A perp's candle as stored (the current one while it is open), to `candles:<symbol>:<interval>`, cached as its snapshot. */
  candle(symbol: string, interval: string, candle: object): void {
    this.toChannels([rooms.candles(symbol, interval)], RealtimeEvent.Candle, candle, [rooms.candles(symbol, interval)]);
  }

  bookUpdate(marketId: string, outcome: string, book: object): void {
    this.toChannels([rooms.book(marketId, outcome)], RealtimeEvent.BookUpdate, book, [rooms.book(marketId, outcome)]);
  }

  /** A creator's share market after a change (supply, price, holders, ...), to `creator:<id>`, cached as its snapshot. */
  creatorUpdate(creatorId: string, creator: object): void {
    this.toChannels([rooms.creator(creatorId)], RealtimeEvent.CreatorUpdate, creator, [rooms.creator(creatorId)]);
  }

  creatorTrade(creatorId: string, trade: object): void {
    this.toChannels([rooms.creator(creatorId)], RealtimeEvent.CreatorTrade, trade);
  }

  balanceUpdate(userId: string, balance: BalanceUpdate): void {
    this.toChannels([rooms.user(userId)], RealtimeEvent.BalanceUpdate, balance);
  }

  withdrawalUpdate(userId: string, withdrawal: object): void {
    this.toChannels([rooms.user(userId)], RealtimeEvent.WithdrawalUpdate, withdrawal);
  }

  depositUpdate(userId: string, deposit: object): void {
    this.toChannels([rooms.user(userId)], RealtimeEvent.DepositUpdate, deposit);
  }

  positionUpdate(userId: string, position: object): void {
    this.toChannels([rooms.user(userId)], RealtimeEvent.PositionUpdate, position);
  }

  orderUpdate(userId: string, order: object): void {
    this.toChannels([rooms.user(userId)], RealtimeEvent.OrderUpdate, order);
  }

  notification(userId: string, notification: object): void {
    this.toChannels([rooms.user(userId)], RealtimeEvent.Notification, notification);
  }

  /** A strategy of the user started, played a round or stopped (the REST object). */
  strategyUpdate(userId: string, strategy: object): void {
    this.toChannels([rooms.user(userId)], RealtimeEvent.StrategyUpdate, strategy);
  }

  /** A queued backtest of the user replayed another page of rounds, completed or failed. */
  backtestProgress(userId: string, progress: object): void {
    this.toChannels([rooms.user(userId)], RealtimeEvent.BacktestProgress, progress);
  }

  /** To every connected socket, anonymous ones included, on every instance. */
  maintenance(notice: MaintenanceNotice): void {
    const io = this.server.io;
    if (!io) return this.dropped(RealtimeEvent.SystemMaintenance);
    io.emit(RealtimeEvent.SystemMaintenance, notice);
  }

  private roundRooms(roundId: string, target: RoundTarget): string[] {
    return target.current ? [rooms.round(roundId), rooms.rounds()] : [rooms.round(roundId)];
  }

  /** One emit to several rooms reaches a socket that is in more than one of them once. */
  private toChannels(channelNames: string[], event: RealtimeEventName, payload: object, cacheIn: string[] = []): void {
    for (const name of cacheIn) this.snapshots.remember(name, event, payload);
    const io = this.server.io;
    if (!io) return this.dropped(event);
    const stop = this.broadcastSeconds.startTimer({ event });
    // A broadcast caused by a request (or a job it enqueued) names it in a second argument, `{ requestId }`.
    const requestId = RequestContext.requestId();
    if (requestId) io.to(channelNames).emit(event, payload, { requestId });
    else io.to(channelNames).emit(event, payload);
    stop();
  }

  /** Never throws: work that finishes during shutdown (a settlement job) still completes. */
  private dropped(event: string): void {
    if (!this.server.closed) return this.logger.debug(`No Socket.IO server in this process: ${event} not sent`);
    this.droppedForShutdown += 1;
    if (this.droppedForShutdown === 1) this.logger.log(`Socket.IO is shut down: ${event} and later broadcasts are not sent`);
    else this.logger.debug(`Socket.IO is shut down: ${event} not sent (${this.droppedForShutdown} dropped)`);
  }
}
