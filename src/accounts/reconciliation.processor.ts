import { InjectQueue, Processor } from '@nestjs/bullmq';
import { Queue } from 'bullmq';
import { AppConfig } from '../config/app-config';
import { JobWorker } from '../lifecycle/job-worker';
import { ReconciliationService } from './reconciliation.service';

export const LEDGER_RECONCILIATION_QUEUE = 'ledger-reconciliation';
const SCHEDULER_ID = 'ledger-reconciliation-every-10-minutes';

/**
 * Runs the ledger reconciliation every 10 minutes on one worker of the fleet: the BullMQ job
 * scheduler is shared through Redis, so adding instances does not multiply the runs.
 */
@Processor(LEDGER_RECONCILIATION_QUEUE, { autorun: false, concurrency: 1 })
export class ReconciliationProcessor extends JobWorker {
  constructor(
    private readonly reconciliation: ReconciliationService,
    config: AppConfig,
    @InjectQueue(LEDGER_RECONCILIATION_QUEUE) private readonly queue: Queue,
  ) {
    super(config, 'LedgerReconciliation', 'reconciliation worker');
  }

  protected override async beforeStart(): Promise<void> {
    await this.queue.upsertJobScheduler(SCHEDULER_ID, { pattern: '*/10 * * * *' }, { name: 'reconcile', opts: { removeOnComplete: 100, removeOnFail: 100 } });
  }

  async process(): Promise<{ ok: boolean }> {
    const report = await this.reconciliation.runAndReport();
    return { ok: report.ok };
  }
}
