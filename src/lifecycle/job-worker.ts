import { WorkerHost } from '@nestjs/bullmq';
import { Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { Job } from 'bullmq';
import { runInJobContext } from '../common/request-context';
import type { AppConfig } from '../config/app-config';

/** Whether this instance runs BullMQ jobs and their cron backstops (APP_ROLE worker or all). */
export function runsJobs(config: AppConfig): boolean {
  return config.appRole === 'worker' || config.appRole === 'all';
}

/**
 * Worker options for the queues that pay people (round settlement, market resolution). BullMQ's defaults (a 30 s
 * lock, a stall check every 30 s) leave a job whose worker died (kill -9, OOM, a lost node) active for 30 to 60 s
 * before another worker runs it again, with every holder waiting; this lock is renewed every 5 s and a dead worker's
 * job is run again within 10 to 15 s. Running such a job twice is safe: each pays only what is still unpaid.
 */
export const PAYOUT_JOB_LOCK = { lockDuration: 10_000, stalledInterval: 5_000 } as const;

/**
 * A BullMQ processor (declared with `autorun: false`) whose worker starts only on instances that run jobs.
 * `beforeStart` is for what must exist first, such as a repeatable job's scheduler. Enqueue with
 * `withRequestId(data)` (common/request-context) so the job's logs name the request that caused it.
 */
export abstract class JobWorker extends WorkerHost implements OnApplicationBootstrap {
  protected readonly logger: Logger;

  protected constructor(
    private readonly config: AppConfig,
    loggerName: string,
    private readonly workerLabel = 'worker',
  ) {
    super();
    this.logger = new Logger(loggerName);
    // Every job runs in the context of the request that enqueued it (its `requestId` data field), so its
    // log lines, the jobs it enqueues and the broadcasts it makes carry that id.
    const process = this.process.bind(this);
    this.process = (job: Job, token?: string) => runInJobContext(job, () => process(job, token));
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!runsJobs(this.config)) return;
    await this.beforeStart();
    this.worker.run().catch((error: unknown) => this.logger.error(`${this.workerLabel} stopped: ${(error as Error).message}`));
  }

  protected async beforeStart(): Promise<void> {}
}
