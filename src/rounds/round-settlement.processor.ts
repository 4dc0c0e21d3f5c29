import { InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Job, Queue } from 'bullmq';
import { AppConfig } from '../config/app-config';
import { RoundSettlementService, SettlementOutcome } from './round-settlement.service';

export const ROUND_SETTLEMENT_QUEUE = 'round-settlement';

export interface RoundSettlementJob {
  roundId: string;
}

/** Enqueues settlement; the job id is the round id, so enqueuing twice adds one job. */
@Injectable()
export class RoundSettlementQueue {
  constructor(@InjectQueue(ROUND_SETTLEMENT_QUEUE) private readonly queue: Queue<RoundSettlementJob>) {}

  async enqueue(roundId: string): Promise<void> {
    await this.queue.add(
      'settle',
      { roundId },
      { jobId: roundId, attempts: 10, backoff: { type: 'exponential', delay: 500 }, removeOnComplete: 1000, removeOnFail: 1000 },
    );
  }
}

/** Runs on worker/all instances; the settlement itself is idempotent (see RoundSettlementService). */
@Processor(ROUND_SETTLEMENT_QUEUE, { autorun: false, concurrency: 2 })
export class RoundSettlementProcessor extends WorkerHost implements OnApplicationBootstrap {
  private readonly logger = new Logger('RoundSettlementJob');

  constructor(
    private readonly settlement: RoundSettlementService,
    private readonly config: AppConfig,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    if (this.config.appRole !== 'worker' && this.config.appRole !== 'all') return;
    this.worker.run().catch((error: unknown) => this.logger.error(`round-settlement worker stopped: ${(error as Error).message}`));
  }

  process(job: Job<RoundSettlementJob>): Promise<SettlementOutcome> {
    return this.settlement.settle(job.data.roundId);
  }
}
