import { WorkerHost } from '@nestjs/bullmq';
import { Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';

/** Whether this instance runs BullMQ jobs and their cron backstops (APP_ROLE worker or all). */
export function runsJobs(config: AppConfig): boolean {
  return config.appRole === 'worker' || config.appRole === 'all';
}

/**
 * A BullMQ processor (declared with `autorun: false`) whose worker starts only on instances that run jobs.
 * `beforeStart` is for what must exist first, such as a repeatable job's scheduler.
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
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!runsJobs(this.config)) return;
    await this.beforeStart();
    this.worker.run().catch((error: unknown) => this.logger.error(`${this.workerLabel} stopped: ${(error as Error).message}`));
  }

  protected async beforeStart(): Promise<void> {}
}
