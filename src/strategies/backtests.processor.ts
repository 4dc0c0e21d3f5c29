import { OnWorkerEvent, Processor } from '@nestjs/bullmq';
import { DomainEventBus } from '../common/events/domain-event-bus';
import { AppConfig } from '../config/app-config';
import { JobWorker } from '../lifecycle/job-worker';
import { BACKTESTS_QUEUE, BacktestJob, progressOf } from './backtest-jobs';
import type { BacktestResultDto } from './strategies.dto';
import { StrategyEvent } from './strategies.events';
import { StrategyBacktests } from './strategy-backtests.service';

/**
 * `backtests`: replays a large backtest a page of rounds at a time, reporting `{roundsReplayed, roundsTotal}` with
 * `job.updateProgress` and `backtest:progress` to the owner. One at a time per instance (it is CPU-bound and yields
 * every 20 ms, so the job's lock is renewed). It writes nothing, so a job whose instance died or stalled past its lock
 * is moved back to waiting by BullMQ's stalled check on any instance and simply rerun (twice at most, then failed).
 */
@Processor(BACKTESTS_QUEUE, { autorun: false, concurrency: 1, maxStalledCount: 2 })
export class BacktestsProcessor extends JobWorker {
  constructor(
    private readonly backtests: StrategyBacktests,
    private readonly events: DomainEventBus,
    config: AppConfig,
  ) {
    super(config, 'Backtests');
  }

  async process(job: BacktestJob): Promise<BacktestResultDto> {
    return this.backtests.runQueued(job.id!, job.data, (progress) => job.updateProgress({ ...progress }));
  }

  @OnWorkerEvent('completed')
  onCompleted(job: BacktestJob): void {
    this.events.publishCommitted({ name: StrategyEvent.BacktestProgress, payload: { userId: job.data.userId, jobId: job.id!, status: 'completed', ...progressOf(job) } });
  }

  @OnWorkerEvent('failed')
  onFailed(job: BacktestJob | undefined): void {
    if (!job || job.attemptsMade < (job.opts.attempts ?? 1)) return;
    this.events.publishCommitted({ name: StrategyEvent.BacktestProgress, payload: { userId: job.data.userId, jobId: job.id!, status: 'failed', ...progressOf(job) } });
  }
}
