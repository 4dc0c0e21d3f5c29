import { Processor } from '@nestjs/bullmq';
import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Job } from 'bullmq';
import { CronJob } from 'cron';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { JobWorker, runsJobs } from '../lifecycle/job-worker';
import { CreatorDividendsService, DividendRunSummary } from './creator-dividends.service';
import { DIVIDENDS_QUEUE, DividendJobData, DividendJobs } from './dividend-jobs';
import { lastEndedPeriod } from './dividend-periods';

/** `dividends`: pays one period's pools to their holders of record, resuming where a previous run stopped. */
@Processor(DIVIDENDS_QUEUE, { autorun: false, concurrency: 1 })
export class DividendsProcessor extends JobWorker {
  constructor(
    private readonly dividends: CreatorDividendsService,
    config: AppConfig,
  ) {
    super(config, 'Dividends');
  }

  async process(job: Job<DividendJobData>): Promise<Omit<DividendRunSummary, 'amountPaid'> & { amountPaid: string }> {
    const summary = await this.dividends.runPeriod(new Date(job.data.period));
    return { ...summary, amountPaid: summary.amountPaid.toString() };
  }
}

/** Ended periods the cron looks back over, so a day it did not run (every worker down) is still paid. */
const BACKSTOP_PERIODS = 7;

/**
 * DIVIDEND_CRON (UTC, default 00:00): enqueues the job of the period that just ended and of any of the
 * BACKSTOP_PERIODS before it that never finished. It only enqueues; the job moves the money.
 */
@Injectable()
export class DividendsCron implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('DividendsCron');
  private job?: CronJob;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly jobs: DividendJobs,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (!runsJobs(this.config)) return;
    this.job = CronJob.from({
      cronTime: this.config.creators.dividendCron,
      timeZone: 'UTC',
      start: true,
      onTick: () => {
        this.enqueueDue().catch((error: Error) => this.logger.error(`could not enqueue dividend jobs: ${error.message}`));
      },
    });
  }

  onApplicationShutdown(): void {
    void this.job?.stop();
  }

  /** The periods it enqueued, oldest first. */
  async enqueueDue(now: Date = new Date()): Promise<Date[]> {
    const seconds = this.config.creators.dividendPeriodSeconds;
    const latest = lastEndedPeriod(now, seconds);
    const candidates = Array.from({ length: BACKSTOP_PERIODS + 1 }, (_, back) => new Date(latest.getTime() - back * seconds * 1000)).reverse();
    const finished = (await this.dataSource.query(`SELECT period FROM creator_dividend_runs WHERE period = ANY($1::timestamptz[]) AND finished_at IS NOT NULL`, [
      candidates,
    ])) as { period: Date }[];
    const done = new Set(finished.map((row) => row.period.getTime()));
    const due = candidates.filter((period) => !done.has(period.getTime()));
    for (const period of due) await this.jobs.enqueue(period);
    if (due.length > 0) this.logger.log(`enqueued dividends of ${due.map((period) => period.toISOString()).join(', ')}`);
    return due;
  }
}
