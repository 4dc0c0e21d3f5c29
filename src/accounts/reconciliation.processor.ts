import { InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Queue } from 'bullmq';
import { AppConfig } from '../config/app-config';
import { ReconciliationService } from './reconciliation.service';

export const LEDGER_RECONCILIATION_QUEUE = 'ledger-reconciliation';
const SCHEDULER_ID = 'ledger-reconciliation-every-10-minutes';

/**
 * Runs the ledger reconciliation every 10 minutes on one worker of the fleet: the BullMQ job
 * scheduler is shared through Redis, so adding instances does not multiply the runs.
 */
@Processor(LEDGER_RECONCILIATION_QUEUE, { autorun: false, concurrency: 1 })
export class ReconciliationProcessor extends WorkerHost implements OnApplicationBootstrap {
  private readonly logger = new Logger('LedgerReconciliation');

  constructor(
    private readonly reconciliation: ReconciliationService,
    private readonly config: AppConfig,
    @InjectQueue(LEDGER_RECONCILIATION_QUEUE) private readonly queue: Queue,
  ) {
    super();
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.appRole !== 'worker' && this.config.appRole !== 'all') return;
    await this.queue.upsertJobScheduler(SCHEDULER_ID, { pattern: '*/10 * * * *' }, { name: 'reconcile', opts: { removeOnComplete: 100, removeOnFail: 100 } });
    this.worker.run().catch((error: unknown) => this.logger.error(`reconciliation worker stopped: ${(error as Error).message}`));
  }

  async process(): Promise<{ ok: boolean }> {
    const report = await this.reconciliation.runAndReport();
    return { ok: report.ok };
  }
}
