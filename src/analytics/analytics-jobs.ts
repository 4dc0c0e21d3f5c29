import { InjectQueue, Processor } from '@nestjs/bullmq';
import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Job, Queue } from 'bullmq';
import { CronJob } from 'cron';
import { AppConfig } from '../config/app-config';
import { JobWorker, runsJobs } from '../lifecycle/job-worker';
import { LeaderboardService } from './leaderboard.service';
import { RoundStatisticsService } from './round-statistics.service';
import { withRequestId } from '../common/request-context';

export const ANALYTICS_QUEUE = 'analytics';

export const AnalyticsJob = {
  /** Round statistics for every finished round without a row, then every leaderboard from PostgreSQL. */
  Rebuild: 'rebuild',
} as const;

export interface AnalyticsRebuildResult {
  roundStatsWritten: number;
  settlements: number;
  boards: number;
}

/** Enqueues the rebuild; one at a time (a fixed job id while one waits or runs). */
@Injectable()
export class AnalyticsJobs {
  constructor(@InjectQueue(ANALYTICS_QUEUE) private readonly queue: Queue) {}

  async enqueueRebuild(): Promise<string> {
    const job = await this.queue.add(AnalyticsJob.Rebuild, withRequestId({}), { jobId: `rebuild-${Math.floor(Date.now() / 60_000)}`, removeOnComplete: 100, removeOnFail: 100, attempts: 3, backoff: { type: 'exponential', delay: 1000 } });
    return job.id!;
  }
}

@Processor(ANALYTICS_QUEUE, { autorun: false, concurrency: 1 })
export class AnalyticsProcessor extends JobWorker {
  constructor(
    private readonly roundStats: RoundStatisticsService,
    private readonly leaderboards: LeaderboardService,
    config: AppConfig,
  ) {
    super(config, 'AnalyticsJob', 'analytics worker');
  }

  async process(job: Job): Promise<AnalyticsRebuildResult> {
    if (job.name !== AnalyticsJob.Rebuild) throw new Error(`unknown analytics job ${job.name}`);
    return this.rebuild();
  }

  async rebuild(): Promise<AnalyticsRebuildResult> {
    const roundStatsWritten = await this.roundStats.backfill();
    const { settlements, boards } = await this.leaderboards.rebuild();
    return { roundStatsWritten, settlements, boards };
  }
}

/** ANALYTICS_REBUILD_CRON (UTC, hourly by default) only enqueues the rebuild. */
@Injectable()
export class AnalyticsCron implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('AnalyticsCron');
  private job?: CronJob;

  constructor(
    private readonly jobs: AnalyticsJobs,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (!runsJobs(this.config)) return;
    this.job = CronJob.from({
      cronTime: this.config.analytics.rebuildCron,
      timeZone: 'UTC',
      start: true,
      onTick: () => {
        this.jobs.enqueueRebuild().catch((error: Error) => this.logger.error(`could not enqueue the analytics rebuild: ${error.message}`));
      },
    });
  }

  onApplicationShutdown(): void {
    void this.job?.stop();
  }
}
