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
