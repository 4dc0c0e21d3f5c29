import { Processor } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import { Cron, CronExpression } from '@nestjs/schedule';
import { InjectDataSource } from '@nestjs/typeorm';
import { Job } from 'bullmq';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { JobWorker, PAYOUT_JOB_LOCK, runsJobs } from '../lifecycle/job-worker';
import { MARKET_CLOSE_QUEUE, MARKET_RESOLUTION_QUEUE, MarketJobs, ORDER_EXPIRY_JOB } from './market-jobs';
import { MarketOrdersService } from './market-orders.service';
import { MarketSettlementService, SettlementProgress } from './market-settlement.service';
import { MarketsService } from './markets.service';

interface MarketJobData {
  marketId: string;
}

/**
 * Closes a market at its closesAt (a delayed job per market; it does nothing if closesAt was extended), and
 * expires GTD orders at their expiresAt (`expire-orders`, a delayed job per market and instant).
 */
@Processor(MARKET_CLOSE_QUEUE, { autorun: false, concurrency: 4 })
export class MarketCloseProcessor extends JobWorker {
  constructor(
    private readonly markets: MarketsService,
    private readonly orders: MarketOrdersService,
    config: AppConfig,
  ) {
    super(config, 'MarketClose');
  }

  async process(job: Job<MarketJobData>): Promise<{ closed: boolean } | { expired: number }> {
    if (job.name === ORDER_EXPIRY_JOB) return { expired: await this.orders.expireDue(job.data.marketId) };
    return { closed: await this.markets.closeIfDue(job.data.marketId) };
  }
}

/** `market-resolution`: pays a RESOLVED or CANCELLING market in batches, resuming where a previous run stopped. */
@Processor(MARKET_RESOLUTION_QUEUE, { autorun: false, concurrency: 2, ...PAYOUT_JOB_LOCK })
export class MarketResolutionProcessor extends JobWorker {
  constructor(
    private readonly settlement: MarketSettlementService,
    config: AppConfig,
  ) {
    super(config, 'MarketResolution');
  }

  process(job: Job<MarketJobData>): Promise<SettlementProgress> {
    return this.settlement.settle(job.data.marketId);
  }
}

/**
 * Backstop, every minute: enqueues a close job for each OPEN market past its closesAt and a settlement job
 * for each RESOLVED/CANCELLING market not yet settled. It only enqueues; the jobs do the work.
 */
@Injectable()
export class MarketLifecycleSweep {
  private readonly logger = new Logger('MarketLifecycleSweep');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly jobs: MarketJobs,
    private readonly orders: MarketOrdersService,
    private readonly config: AppConfig,
  ) {}

  @Cron(CronExpression.EVERY_MINUTE, { name: 'market-lifecycle-sweep' })
  async sweep(): Promise<{ closing: number; settling: number; expiring: number }> {
    if (!runsJobs(this.config)) return { closing: 0, settling: 0, expiring: 0 };
    const overdue = (await this.dataSource.query(
      `SELECT id, closes_at FROM markets WHERE status = 'OPEN' AND closes_at <= now() ORDER BY closes_at LIMIT 1000`,
    )) as { id: string; closes_at: Date }[];
    const unsettled = (await this.dataSource.query(
      `SELECT id FROM markets WHERE status IN ('RESOLVED', 'CANCELLING') AND settled_at IS NULL ORDER BY resolved_at LIMIT 1000`,
    )) as { id: string }[];
    for (const market of overdue) await this.jobs.scheduleClose(market.id, market.closes_at);
    for (const market of unsettled) await this.jobs.enqueueSettlement(market.id);
    // GTD orders whose delayed expiry job was lost (crash, Redis down): one job per market, due now.
    const now = new Date();
    const expiring = await this.orders.marketsWithDueOrders(1000);
    for (const marketId of expiring) await this.jobs.scheduleOrderExpiry(marketId, now);
    if (overdue.length + unsettled.length + expiring.length > 0) {
      this.logger.log(`enqueued ${overdue.length} close, ${unsettled.length} settlement and ${expiring.length} order expiry jobs`);
    }
    return { closing: overdue.length, settling: unsettled.length, expiring: expiring.length };
  }
}
