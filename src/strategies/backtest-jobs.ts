import { randomUUID } from 'node:crypto';
import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { Job, JobsOptions, Queue } from 'bullmq';
import { withRequestId } from '../common/request-context';
import { AppConfig } from '../config/app-config';
import type { BacktestJobStatus, BacktestProgressDto, BacktestResultDto } from './strategies.dto';

export const BACKTESTS_QUEUE = 'backtests';

/** Attempts of a queued backtest; a pure computation, so a rerun (after a crash, a stall or a failed read) gives the same result. */
const BACKTEST_JOB_ATTEMPTS = 3;

/** A backtest too large to replay inline: the strategy document and the rounds range fixed when it was requested. */
export interface BacktestJobData {
  userId: string;
  /** The saved strategy it replays, or null for a document posted to `POST /strategies/backtest`. */
  strategyId: string | null;
  rules: unknown;
  limits: unknown;
  /** Minor units (USDC 1e-6). */
  startingBalance: string;
  /** The replayable rounds numbered firstNumber..lastNumber, roundsTotal of them when queued. */
  firstNumber: number;
  lastNumber: number;
  roundsTotal: number;
}

export type BacktestJob = Job<BacktestJobData, BacktestResultDto>;

/** What a job says about itself, owner aside. */
export interface BacktestJobView {
  jobId: string;
  userId: string;
  status: BacktestJobStatus;
  progress: BacktestProgressDto;
  result: BacktestResultDto | null;
  error: string | null;
  createdAt: Date;
  finishedAt: Date | null;
}

/** Enqueues and reads `backtests` jobs. A finished job (and its result) is kept STRATEGY_BACKTEST_RESULT_TTL_SECONDS. */
@Injectable()
export class BacktestJobs {
  private readonly jobOptions: JobsOptions;

  constructor(
    @InjectQueue(BACKTESTS_QUEUE) private readonly queue: Queue<BacktestJobData, BacktestResultDto>,
    config: AppConfig,
  ) {
    const age = config.strategies.backtestResultTtlSeconds;
    this.jobOptions = {
      attempts: BACKTEST_JOB_ATTEMPTS,
      backoff: { type: 'exponential', delay: 1000 },
      removeOnComplete: { age },
      removeOnFail: { age },
    };
  }

  /** A random job id: a job is read back only by its owner, but its id should not be guessable either. */
  async enqueue(data: BacktestJobData): Promise<string> {
    const jobId = randomUUID();
    await this.queue.add('replay', withRequestId(data), { ...this.jobOptions, jobId });
    return jobId;
  }

  async find(jobId: string): Promise<BacktestJobView | null> {
    // The state first: a job read after it said `completed` holds its result (read the other way round, a job
    // finishing in between would say completed without one).
    const state = await this.queue.getJobState(jobId);
    if (state === 'unknown') return null;
    const job = (await this.queue.getJob(jobId)) as BacktestJob | undefined;
    if (!job) return null;
    const status: BacktestJobStatus = state === 'completed' ? 'completed' : state === 'failed' ? 'failed' : state === 'active' ? 'running' : 'queued';
    return {
      jobId,
      userId: job.data.userId,
      status,
      progress: progressOf(job),
      result: status === 'completed' ? (job.returnvalue ?? null) : null,
      error: status === 'failed' ? (job.failedReason ?? 'failed') : null,
      createdAt: new Date(job.timestamp),
      finishedAt: job.finishedOn && (status === 'completed' || status === 'failed') ? new Date(job.finishedOn) : null,
    };
  }
}

/** The job's last reported progress; before its first report, nothing replayed. */
export function progressOf(job: Pick<BacktestJob, 'progress' | 'data'>): BacktestProgressDto {
  const reported = job.progress as Partial<BacktestProgressDto> | number | boolean | string | undefined;
  const roundsReplayed = typeof reported === 'object' && reported !== null && typeof reported.roundsReplayed === 'number' ? reported.roundsReplayed : 0;
  return { roundsReplayed, roundsTotal: job.data.roundsTotal };
}
