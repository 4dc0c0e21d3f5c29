import { Injectable, Logger } from '@nestjs/common';
import type { UserRenamedEvent } from '../auth/auth.events';
import { OnDomainEvent } from '../common/events/on-domain-event.decorator';
import type { MarketSettledEvent } from '../markets/markets.events';
import type { PositionUpdatedEvent } from '../realtime/realtime.events';
import type { RoundSettledEvent } from '../rounds/rounds.events';
import { LeaderboardNamesCache } from './leaderboard-names.cache';
import { LeaderboardService } from './leaderboard.service';
import { RoundStatisticsService } from './round-statistics.service';

/**
 * Keeps statistics current as settlements commit: a settled round gets its statistics row and its players'
 * results on the leaderboards; a settled market and a closed perp position add theirs. A listener that fails (or
 * an instance that dies first) loses nothing for good: the `analytics` job backfills and rebuilds from PostgreSQL.
 */
@Injectable()
export class AnalyticsListener {
  private readonly logger = new Logger('AnalyticsListener');
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly roundStats: RoundStatisticsService,
    private readonly leaderboards: LeaderboardService,
    private readonly names: LeaderboardNamesCache,
  ) {}

  @OnDomainEvent('round.settled')
  onRoundSettled(event: RoundSettledEvent): void {
    this.run(`round ${event.roundId}`, async () => {
      await this.roundStats.materialise(event.roundId);
      if (event.status === 'SETTLED') await this.leaderboards.applyRound(event.roundId);
    });
  }

  @OnDomainEvent('market.settled')
  onMarketSettled(event: MarketSettledEvent): void {
    if (event.status !== 'RESOLVED') return;
    this.run(`market ${event.marketId}`, () => this.leaderboards.applyMarket(event.marketId));
  }

  @OnDomainEvent('position.updated')
  onPositionUpdated(event: PositionUpdatedEvent): void {
    const position = event.position;
    if (position.kind !== 'perp-position' || position.status !== 'closed') return;
    this.run(`perp position ${position.id}`, () => this.leaderboards.applyPerpPosition(position.id));
  }

  /** A player without a display name shows their username: the cached one is dropped (it expires within the hour if this fails). */
  @OnDomainEvent('user.renamed')
  onUserRenamed(event: UserRenamedEvent): void {
    this.run(`the rename of user ${event.userId}`, () => this.names.forget(event.userId));
  }

  /** Resolves once every update started so far is done (tests, and a drain before shutdown). */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  /** Delivery is synchronous after COMMIT: the update runs beside the command, never in its way. */
  private run(what: string, work: () => Promise<unknown>): void {
    const done: Promise<void> = work()
      .then(() => undefined)
      .catch((error: unknown) => this.logger.error(`statistics of ${what} not updated (the analytics job will): ${(error as Error).message}`))
      .finally(() => this.inFlight.delete(done));
    this.inFlight.add(done);
  }
}
