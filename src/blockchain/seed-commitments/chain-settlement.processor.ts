import { InjectQueue, Processor } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import { Queue } from 'bullmq';
import { OnDomainEvent } from '../../common/events/on-domain-event.decorator';
import { AppConfig } from '../../config/app-config';
import { JobWorker } from '../../lifecycle/job-worker';
import type { RoundEndedEvent, RoundStateEvent } from '../../rounds/rounds.events';
import { OperatorTransactions } from '../evm/operator-transactions.service';
import { RecordPass, SeedCommitmentsRecorder } from './seed-commitments.recorder';
import { withRequestId } from '../../common/request-context';

export const CHAIN_SETTLEMENT_QUEUE = 'chain-settlement';
const SCHEDULER_ID = 'chain-settlement-sweep';

/**
 * Asks for a `chain-settlement` pass soon. Requests within the same second share one job id (BullMQ adds nothing
 * for an id it holds), so a burst of rounds is recorded in one batch.
 */
@Injectable()
export class ChainSettlementJobs {
  constructor(@InjectQueue(CHAIN_SETTLEMENT_QUEUE) private readonly queue: Queue) {}

  async trigger(): Promise<void> {
    await this.queue.add('record', withRequestId({}), { jobId: `record-${Math.floor(Date.now() / 1000)}`, delay: 500, attempts: 5, backoff: { type: 'exponential', delay: 2000 }, removeOnComplete: true, removeOnFail: 100 });
  }

  async schedule(everyMs: number): Promise<void> {
    await this.queue.upsertJobScheduler(SCHEDULER_ID, { every: everyMs }, { name: 'record', opts: { removeOnComplete: 100, removeOnFail: 100 } });
  }
}

/** A round that ended revealed its seed; a new round may have opened a new seed chain. */
@Injectable()
export class ChainSettlementTriggers {
  private readonly logger = new Logger(ChainSettlementTriggers.name);

  constructor(
    private readonly recorder: SeedCommitmentsRecorder,
    private readonly jobs: ChainSettlementJobs,
  ) {}

  @OnDomainEvent('round.ended')
  onRoundEnded(event: RoundEndedEvent): void {
    void event;
    this.trigger();
  }

  @OnDomainEvent('round.state')
  onRoundState(event: RoundStateEvent): void {
    if (event.round.status === 'PENDING') this.trigger();
  }

  private trigger(): void {
    if (!this.recorder.enabled) return;
    this.jobs.trigger().catch((error: unknown) => this.logger.warn(`could not enqueue chain-settlement: ${(error as Error).message}`));
  }
}

/**
 * `chain-settlement`: records seed chains and revealed seeds in SeedCommitments (SeedCommitmentsRecorder), on the
 * round events and every CHAIN_SETTLEMENT_INTERVAL_MS as a backstop; each pass also looks once at every operator
 * transaction not final yet, so one whose own job is gone still gets rebroadcast and its nonce used.
 */
@Processor(CHAIN_SETTLEMENT_QUEUE, { autorun: false, concurrency: 1 })
export class ChainSettlementProcessor extends JobWorker {
  constructor(
    private readonly recorder: SeedCommitmentsRecorder,
    private readonly operator: OperatorTransactions,
    private readonly jobs: ChainSettlementJobs,
    private readonly appConfig: AppConfig,
  ) {
    super(appConfig, 'ChainSettlement', 'chain-settlement worker');
  }

  protected override async beforeStart(): Promise<void> {
    if (!this.operator.configured) return;
    await this.jobs.schedule(this.appConfig.chains.chainSettlementIntervalMs);
    if (this.recorder.enabled) await this.jobs.trigger();
  }

  async process(): Promise<RecordPass & { nudged: number }> {
    if (!this.operator.configured) return { chainsCommitted: 0, seedsSent: 0, pending: false, nudged: 0 };
    const pass = await this.recorder.record();
    return { ...pass, nudged: await this.operator.nudgeOpen() };
  }
}
