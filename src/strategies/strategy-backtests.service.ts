import { Injectable } from '@nestjs/common';
import { InvalidField } from '../common/errors/domain-error';
import { DomainEventBus } from '../common/events/domain-event-bus';
import { isUuid } from '../common/ids';
import { formatUsdc, parseUsdc } from '../common/money/usdc';
import { AppConfig } from '../config/app-config';
import { RoundsService, type ReplayableRound } from '../rounds/rounds.service';
import { BacktestJobData, BacktestJobs } from './backtest-jobs';
import { BacktestReplay, ReplayPathCache, type BacktestResult, type ReplayRound } from './core/backtest';
import { performanceOf } from './core/performance';
import { winRate } from './core/session';
import { BacktestJobNotFound, BacktestTooLarge } from './strategy-errors';
import { toBacktestRoundDto, toPerformanceDto } from './strategy.mapper';
import { BacktestDocumentRequestDto, BacktestJobDto, BacktestProgressDto, BacktestQueuedDto, BacktestRequestDto, BacktestResultDto } from './strategies.dto';
import { StrategyEvent } from './strategies.events';
import { compileOrThrow, StrategiesService } from './strategies.service';

/** A backtest computes for at most this long before letting other work of the process run (round ticks, requests, a job's lock renewal). */
const BACKTEST_SLICE_MS = 20;

/** A backtest answered inline, or the job that runs it. */
export type BacktestOutcome = { kind: 'inline'; result: BacktestResultDto } | { kind: 'queued'; queued: BacktestQueuedDto };

/**
 * Backtests: replays of a strategy document over ended rounds, their paths recomputed from the revealed seeds.
 * At most STRATEGY_BACKTEST_SYNC_ROUNDS rounds answer inline; a larger range (up to STRATEGY_BACKTEST_MAX_ROUNDS)
 * runs on the `backtests` queue, reading the rounds from PostgreSQL a page at a time, with the same replay
 * arithmetic, so the job's result equals what the inline backtest of the same request returns.
 */
@Injectable()
export class StrategyBacktests {
  /** Recomputed paths of past rounds, shared by every inline backtest of this process. */
  private readonly paths = new ReplayPathCache();

  constructor(
    private readonly strategies: StrategiesService,
    private readonly rounds: RoundsService,
    private readonly jobs: BacktestJobs,
    private readonly events: DomainEventBus,
    private readonly config: AppConfig,
  ) {}

  /** `POST /strategies/:id/backtest`: the saved rules and limits of one of the caller's strategies. */
  async backtestSaved(userId: string, strategyId: string, body: BacktestRequestDto): Promise<BacktestOutcome> {
    const document = await this.strategies.documentOf(userId, strategyId);
    return this.backtest(userId, strategyId, document, body);
  }

  /** `POST /strategies/backtest`: a strategy document as posted, saved or not. */
  async backtestDocument(userId: string, body: BacktestDocumentRequestDto): Promise<BacktestOutcome> {
    return this.backtest(userId, null, { rules: body.rules, limits: body.limits ?? {} }, body);
  }

  /** A queued backtest, to its owner only: another user's job, an unknown one and one past its retention are all 404. */
  async job(userId: string, jobId: string): Promise<BacktestJobDto> {
    const view = isUuid(jobId) ? await this.jobs.find(jobId) : null;
    if (!view || view.userId !== userId) throw new BacktestJobNotFound(jobId);
    return {
      jobId: view.jobId,
      status: view.status,
      progress: view.progress,
      result: view.result,
      error: view.error,
      createdAt: view.createdAt.toISOString(),
      finishedAt: view.finishedAt?.toISOString() ?? null,
    };
  }

  /**
   * The `backtests` job's work: the rounds of the range read a page at a time (STRATEGY_BACKTEST_PAGE_SIZE),
   * replayed in order, progress reported after each page. Nothing is written: a rerun gives the same result.
   */
  async runQueued(jobId: string, data: BacktestJobData, report: (progress: BacktestProgressDto) => Promise<void>): Promise<BacktestResultDto> {
    const { rules, limits } = compileOrThrow(data.rules, data.limits);
    const startingBalance = BigInt(data.startingBalance);
    const replay = new BacktestReplay(rules, limits, startingBalance, (round) => this.paths.peekOrRecompute(round));
    const pageSize = this.config.strategies.backtestPageSize;
    const yielder = new EventLoopYielder();
    let cursor = data.firstNumber;
    let roundsReplayed = 0;
    while (cursor <= data.lastNumber && !replay.stopped) {
      const page = await this.rounds.replayable({ fromNumber: cursor, toNumber: data.lastNumber, limit: pageSize });
      if (page.length === 0) break;
      for (const round of page) {
        if (!replay.play(toReplayRound(round))) break;
        roundsReplayed += 1;
        await yielder.maybeYield();
      }
      cursor = page[page.length - 1].number + 1;
      const progress = { roundsReplayed, roundsTotal: data.roundsTotal };
      await report(progress);
      this.events.publishCommitted({ name: StrategyEvent.BacktestProgress, payload: { userId: data.userId, jobId, status: 'running', ...progress } });
    }
    return toBacktestResultDto(startingBalance, data.roundsTotal, replay.result());
  }

  private async backtest(userId: string, strategyId: string | null, document: { rules: unknown; limits: unknown }, body: BacktestRequestDto): Promise<BacktestOutcome> {
    const { rules, limits } = compileOrThrow(document.rules, document.limits);
    const startingBalance = parseUsdc(body.startingBalance, 'startingBalance');
    if (body.fromRound !== undefined && body.toRound !== undefined && body.toRound < body.fromRound) throw new InvalidField('toRound', 'must be at least fromRound');
    const { backtestMaxRounds: maxRounds, backtestSyncRounds: syncRounds } = this.config.strategies;
    if (body.rounds !== undefined && body.rounds > maxRounds) throw new BacktestTooLarge(maxRounds, body.rounds);
    const span = await this.rounds.replayableSpan({ fromNumber: body.fromRound, toNumber: body.toRound, last: body.rounds, cap: maxRounds + 1 });
    if (span.count > maxRounds) throw new BacktestTooLarge(maxRounds, span.count);
    if (span.count <= syncRounds || span.firstNumber === null || span.lastNumber === null) {
      const found =
        span.count === 0 || span.firstNumber === null ? [] : await this.rounds.replayable({ fromNumber: span.firstNumber, toNumber: span.lastNumber!, limit: span.count });
      const replay = new BacktestReplay(rules, limits, startingBalance, (round) => this.paths.pathOf(round));
      const yielder = new EventLoopYielder();
      for (const round of found) {
        if (!replay.play(toReplayRound(round))) break;
        await yielder.maybeYield();
      }
      return { kind: 'inline', result: toBacktestResultDto(startingBalance, found.length, replay.result()) };
    }
    const jobId = await this.jobs.enqueue({
      userId,
      strategyId,
      rules: document.rules,
      limits: document.limits,
      startingBalance: startingBalance.toString(),
      firstNumber: span.firstNumber,
      lastNumber: span.lastNumber,
      roundsTotal: span.count,
    });
    return { kind: 'queued', queued: { jobId, status: 'queued', roundsTotal: span.count, statusUrl: `/api/v1/strategies/backtests/${jobId}` } };
  }
}

/** Lets the event loop run once at least BACKTEST_SLICE_MS of computing has passed since it last did. */
class EventLoopYielder {
  private since = Date.now();

  async maybeYield(): Promise<void> {
    if (Date.now() - this.since < BACKTEST_SLICE_MS) return;
    await new Promise((resolve) => setImmediate(resolve));
    this.since = Date.now();
  }
}

export function toBacktestResultDto(startingBalance: bigint, roundsAvailable: number, result: BacktestResult): BacktestResultDto {
  const session = result.session;
  return {
    startingBalance: formatUsdc(startingBalance),
    roundsAvailable,
    rounds: result.rounds.map(toBacktestRoundDto),
    totals: {
      pnl: formatUsdc(session.pnl),
      endingBalance: formatUsdc(session.balance),
      wagered: formatUsdc(session.wagered),
      fees: formatUsdc(session.fees),
      trades: session.trades,
      roundsPlayed: session.roundsPlayed,
      roundsStaked: session.roundsStaked,
      roundsWon: session.roundsWon,
      winRate: winRate(session),
      maxDrawdown: formatUsdc(session.maxDrawdown),
      stoppedBy: result.stoppedBy,
    },
    performance: toPerformanceDto(performanceOf(startingBalance, result.rounds.map((round) => round.result))),
  };
}

function toReplayRound(round: ReplayableRound): ReplayRound {
  return {
    terms: {
      roundId: round.id,
      number: round.number,
      feeBps: round.feeBps,
      minStake: round.minStake,
      maxStake: round.maxStake,
      sideBetWindow: round.sideBetWindow,
      sideBetMultiplier: round.sideBetMultiplier,
      rugProbability: round.params.rugProbability,
      maxTicks: round.params.maxTicks,
    },
    params: round.params,
    serverSeed: round.serverSeed,
    salt: round.salt,
    recordedRugTick: round.rugTick,
    recordedFinalPrice: round.finalPrice,
    storedCloses: round.closes,
  };
}
