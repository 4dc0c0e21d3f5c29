import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsObject, IsString, Length } from 'class-validator';
import { IsIntBetween } from '../common/http/is-int-between.decorator';
import { IsOmittable } from '../common/http/is-omittable.decorator';
import { IsAmount } from '../common/money/is-amount.decorator';
import { PageMetaDto } from '../common/http/pagination';
import type { StrategyLimitsDocument, StrategyRulesDocument } from './core/strategy-rules';

/** The default of STRATEGY_BACKTEST_MAX_ROUNDS and STRATEGY_BACKTEST_SYNC_ROUNDS, for the documentation's examples. */
const DEFAULT_MAX_ROUNDS = 10_000;
const DEFAULT_SYNC_ROUNDS = 500;

const RULES_EXAMPLE: StrategyRulesDocument = {
  entry: { side: 'long', when: { kind: 'tick', tick: 1 }, sizing: { kind: 'fixed', amount: '5' }, exit: { takeProfit: '1.5', stopLoss: '0.3', afterTicks: 20 } },
  sideBet: { when: { kind: 'tick-range', from: 0, to: 10 }, sizing: { kind: 'martingale', base: '1', multiplier: '2', maxStake: '8' } },
};
const LIMITS_EXAMPLE: StrategyLimitsDocument = { maxStakePerRound: '20', stopAfterLoss: '50', stopAfterWin: '100', maxRounds: 100 };
const RULES_DESCRIPTION = 'The rules document; `GET /api/v1/strategies/schema` is its JSON Schema (a document it rejects is a 400 naming the field, e.g. `rules/entry/sizing/amount`)';

export class CreateStrategyDto {
  @ApiProperty({ example: 'Early long, quick exit', minLength: 1, maxLength: 100 })
  @IsString()
  @Length(1, 100)
  name!: string;

  @ApiProperty({ enum: ['rounds'], example: 'rounds' })
  @IsIn(['rounds'])
  venue!: 'rounds';

  @ApiProperty({ type: 'object', additionalProperties: true, example: RULES_EXAMPLE, description: RULES_DESCRIPTION })
  @IsObject()
  rules!: StrategyRulesDocument;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, example: LIMITS_EXAMPLE, description: 'Session limits (schema `$defs/limits`); all optional' })
  @IsOmittable()
  @IsObject()
  limits?: StrategyLimitsDocument;
}

export class UpdateStrategyDto {
  @ApiPropertyOptional({ example: 'Early long, quick exit (v2)', minLength: 1, maxLength: 100 })
  @IsOmittable()
  @IsString()
  @Length(1, 100)
  name?: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, example: RULES_EXAMPLE, description: `${RULES_DESCRIPTION}; not while the strategy runs` })
  @IsOmittable()
  @IsObject()
  rules?: StrategyRulesDocument;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, example: LIMITS_EXAMPLE, description: 'Replaces the limits; not while the strategy runs' })
  @IsOmittable()
  @IsObject()
  limits?: StrategyLimitsDocument;
}

export class BacktestRequestDto {
  @ApiProperty({ example: '1000', description: 'USDC the replay starts with (sizing by balance and the spending cap read it)' })
  @IsAmount()
  startingBalance!: string;

  @ApiPropertyOptional({ example: 120, description: 'First round number replayed (inclusive)' })
  @IsOmittable()
  @IsIntBetween(1, 2_000_000_000)
  fromRound?: number;

  @ApiPropertyOptional({ example: 150, description: 'Last round number replayed (inclusive)' })
  @IsOmittable()
  @IsIntBetween(1, 2_000_000_000)
  toRound?: number;

  @ApiPropertyOptional({
    example: 100,
    description: `The last N ended rounds (within fromRound..toRound when given); at most STRATEGY_BACKTEST_MAX_ROUNDS (default ${DEFAULT_MAX_ROUNDS}), more is a 422 BacktestTooLarge`,
  })
  @IsOmittable()
  @IsIntBetween(1, 2_000_000_000)
  rounds?: number;
}

/** A backtest of a strategy document that need not be saved: `{rules, limits}` as `POST /strategies` takes them. */
export class BacktestDocumentRequestDto extends BacktestRequestDto {
  @ApiProperty({ type: 'object', additionalProperties: true, example: RULES_EXAMPLE, description: RULES_DESCRIPTION })
  @IsObject()
  rules!: StrategyRulesDocument;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, example: LIMITS_EXAMPLE, description: 'Session limits (schema `$defs/limits`); all optional' })
  @IsOmittable()
  @IsObject()
  limits?: StrategyLimitsDocument;
}

export class StrategySessionDto {
  @ApiProperty({ example: '4e7c1d52-2b1f-4a57-9d8e-0d6a1b9f3c10' })
  sessionId!: string;

  @ApiProperty({ example: 121, description: 'The first round the session plays' })
  fromRound!: number;

  @ApiProperty({ example: '1000.000000' })
  startingBalance!: string;

  @ApiProperty({ example: '1012.450000' })
  balance!: string;

  @ApiProperty({ example: '12.450000', description: 'Payouts minus amounts paid (fees included)' })
  pnl!: string;

  @ApiProperty({ example: '60.000000' })
  wagered!: string;

  @ApiProperty({ example: '0.600000' })
  fees!: string;

  @ApiProperty({ example: 14, description: 'Positions opened plus side bets placed' })
  trades!: number;

  @ApiProperty({ example: 8 })
  roundsPlayed!: number;

  @ApiProperty({ example: 7, description: 'Rounds with at least one stake' })
  roundsStaked!: number;

  @ApiProperty({ example: 4 })
  roundsWon!: number;

  @ApiProperty({ example: '0.5714', description: 'Rounds won / rounds with a stake' })
  winRate!: string;

  @ApiProperty({ example: '7.200000', description: 'Largest fall of the balance from its peak' })
  maxDrawdown!: string;

  @ApiProperty({ example: 1, description: 'Losing rounds in a row (martingale steps)' })
  lossStreak!: number;
}

export class StrategyDto {
  @ApiProperty({ example: '9a0c8f4e-5a1d-4c0b-9f0e-3c1e2d4b5a69' })
  id!: string;

  @ApiProperty({ example: 'Early long, quick exit' })
  name!: string;

  @ApiProperty({ enum: ['rounds'], example: 'rounds' })
  venue!: 'rounds';

  @ApiProperty({ type: 'object', additionalProperties: true, example: RULES_EXAMPLE })
  rules!: StrategyRulesDocument;

  @ApiProperty({ type: 'object', additionalProperties: true, example: LIMITS_EXAMPLE })
  limits!: StrategyLimitsDocument;

  @ApiProperty({ enum: ['stopped', 'running'], example: 'running' })
  status!: 'stopped' | 'running';

  @ApiProperty({ example: null, nullable: true, type: String, description: '`loss-limit`, `win-limit`, `max-rounds`, `stopped` (by the user) or `refused` (a stake the venue refused for lack of funds)' })
  stopReason!: string | null;

  @ApiProperty({ type: StrategySessionDto, nullable: true, description: 'The running or last session' })
  session!: StrategySessionDto | null;

  @ApiProperty({ example: '2026-12-03T12:00:00.000Z' })
  createdAt!: string;

  @ApiProperty({ example: '2026-12-03T12:00:00.000Z' })
  updatedAt!: string;
}

export class StrategyPageDto {
  @ApiProperty({ type: [StrategyDto] })
  data!: StrategyDto[];

  @ApiProperty({ type: PageMetaDto })
  meta!: PageMetaDto;
}

export class StrategyRoundResultDto {
  @ApiProperty({ example: '0c2e55f0-b37d-448d-8941-077de71a0142' })
  roundId!: string;

  @ApiProperty({ example: 121 })
  roundNumber!: number;

  @ApiProperty({ example: '-5.000000', description: 'Payouts minus amounts paid in this round (fees included)' })
  pnl!: string;

  @ApiProperty({ example: '5.000000' })
  wagered!: string;

  @ApiProperty({ example: '0.050000' })
  fees!: string;

  @ApiProperty({ example: 1 })
  trades!: number;

  @ApiProperty({ example: '995.000000', description: 'The session balance after the round' })
  balanceAfter!: string;
}

export class LiveStrategyRoundDto extends StrategyRoundResultDto {
  @ApiProperty({ example: 0, description: 'Actions the venue refused in this round (funds, a round that moved on)' })
  declined!: number;

  @ApiProperty({ example: 0, description: 'Stakes filled at a later tick than their rule fired on (the runner fell behind the engine); 0 means the round replays exactly' })
  slipped!: number;
}

export class StrategyRoundsDto {
  @ApiProperty({ example: '4e7c1d52-2b1f-4a57-9d8e-0d6a1b9f3c10', nullable: true, type: String })
  sessionId!: string | null;

  @ApiProperty({ type: [LiveStrategyRoundDto], description: 'The session’s rounds, oldest first' })
  rounds!: LiveStrategyRoundDto[];
}

export class BacktestRoundDto extends StrategyRoundResultDto {
  @ApiProperty({ example: true, description: 'The path recomputed from the revealed seed ended where the round did' })
  pathMatches!: boolean;
}

export class BacktestTotalsDto {
  @ApiProperty({ example: '12.450000' })
  pnl!: string;

  @ApiProperty({ example: '1012.450000' })
  endingBalance!: string;

  @ApiProperty({ example: '60.000000' })
  wagered!: string;

  @ApiProperty({ example: '0.600000' })
  fees!: string;

  @ApiProperty({ example: 14 })
  trades!: number;

  @ApiProperty({ example: 8 })
  roundsPlayed!: number;

  @ApiProperty({ example: 7 })
  roundsStaked!: number;

  @ApiProperty({ example: 4 })
  roundsWon!: number;

  @ApiProperty({ example: '0.5714' })
  winRate!: string;

  @ApiProperty({ example: '7.200000' })
  maxDrawdown!: string;

  @ApiProperty({ example: null, nullable: true, type: String, description: 'The limit that ended the replay early, if any' })
  stoppedBy!: string | null;
}

export class StrategyPerformanceFiguresDto {
  @ApiProperty({ example: '1000.000000', description: 'The balance the series starts from (the session’s or the backtest’s starting balance)' })
  startingBalance!: string;

  @ApiProperty({ example: '1012.450000' })
  endingBalance!: string;

  @ApiProperty({ example: 8 })
  roundsPlayed!: number;

  @ApiProperty({ example: 7, description: 'Rounds with at least one stake' })
  roundsStaked!: number;

  @ApiProperty({ example: 4, description: 'Rounds with a stake and a positive P&L' })
  roundsWon!: number;

  @ApiProperty({ example: 14, description: 'Stakes placed (positions and side bets)' })
  bets!: number;

  @ApiProperty({ example: '60.000000' })
  wagered!: string;

  @ApiProperty({ example: '0.600000' })
  fees!: string;

  @ApiProperty({ example: '12.450000', description: 'Payouts minus amounts paid, fees included' })
  profit!: string;

  @ApiProperty({ example: '0.5714', description: 'roundsWon / roundsStaked, 4 places (truncated); "0.0000" before any stake' })
  winRate!: string;

  @ApiProperty({ example: '7.200000', description: 'The largest fall of the balance from a previous peak (the starting balance counts as one)' })
  maxDrawdown!: string;

  @ApiProperty({
    example: '0.183204',
    nullable: true,
    type: String,
    description:
      'Mean per-round P&L over its population standard deviation, every played round counted, no risk-free rate, not annualised; computed from exact integer sums, 6 places (half-even). Null with no rounds or zero variance',
  })
  sharpeRatio!: string | null;
}

export class StrategySessionPerformanceDto {
  @ApiProperty({ example: '4e7c1d52-2b1f-4a57-9d8e-0d6a1b9f3c10' })
  sessionId!: string;

  @ApiProperty({ example: 121, nullable: true, type: Number, description: 'The first round the session played (null before it played one)' })
  fromRound!: number | null;

  @ApiProperty({ example: 128, nullable: true, type: Number, description: 'The last round the session played' })
  toRound!: number | null;

  @ApiProperty({ example: true, description: 'The strategy’s running or last session' })
  current!: boolean;

  @ApiProperty({ type: StrategyPerformanceFiguresDto })
  performance!: StrategyPerformanceFiguresDto;
}

export class StrategyPerformanceDto {
  @ApiProperty({ example: '9a0c8f4e-5a1d-4c0b-9f0e-3c1e2d4b5a69' })
  strategyId!: string;

  @ApiProperty({ type: [StrategySessionPerformanceDto], description: 'Every session that played a round, newest first (the current one first, also before it has played)' })
  sessions!: StrategySessionPerformanceDto[];
}

export class BacktestResultDto {
  @ApiProperty({ example: '1000.000000' })
  startingBalance!: string;

  @ApiProperty({ example: 8, description: 'Ended rounds with revealed seeds in the requested range' })
  roundsAvailable!: number;

  @ApiProperty({ type: [BacktestRoundDto] })
  rounds!: BacktestRoundDto[];

  @ApiProperty({ type: BacktestTotalsDto })
  totals!: BacktestTotalsDto;

  @ApiProperty({ type: StrategyPerformanceFiguresDto, description: 'The same figures as `GET /strategies/:id/performance` reports for a live session over these rounds' })
  performance!: StrategyPerformanceFiguresDto;
}

export const BACKTEST_JOB_STATUSES = ['queued', 'running', 'completed', 'failed'] as const;
export type BacktestJobStatus = (typeof BACKTEST_JOB_STATUSES)[number];

export class BacktestProgressDto {
  @ApiProperty({ example: 1500, description: 'Rounds replayed so far (a session limit that stops the replay early leaves the rest unplayed; the job then completes)' })
  roundsReplayed!: number;

  @ApiProperty({ example: 6000, description: 'Rounds in the requested range when the backtest was queued' })
  roundsTotal!: number;
}

/** What `POST /strategies/backtest` (and `POST /strategies/:id/backtest`) answer, 202, for a range too large to replay inline. */
export class BacktestQueuedDto {
  @ApiProperty({ example: '2f0d9c4b-8e1a-4b7c-9d3e-6a5b4c3d2e1f', description: 'Read the job at `GET /api/v1/strategies/backtests/:jobId`' })
  jobId!: string;

  @ApiProperty({ enum: ['queued'], example: 'queued' })
  status!: 'queued';

  @ApiProperty({ example: 6000, description: `Rounds the job replays (more than STRATEGY_BACKTEST_SYNC_ROUNDS, default ${DEFAULT_SYNC_ROUNDS})` })
  roundsTotal!: number;

  @ApiProperty({ example: '/api/v1/strategies/backtests/2f0d9c4b-8e1a-4b7c-9d3e-6a5b4c3d2e1f' })
  statusUrl!: string;
}

export class BacktestJobDto {
  @ApiProperty({ example: '2f0d9c4b-8e1a-4b7c-9d3e-6a5b4c3d2e1f' })
  jobId!: string;

  @ApiProperty({ enum: BACKTEST_JOB_STATUSES, example: 'running', description: 'queued (waiting, or waiting to be retried), running, completed (result set) or failed (error set, no attempt left)' })
  status!: BacktestJobStatus;

  @ApiProperty({ type: BacktestProgressDto })
  progress!: BacktestProgressDto;

  @ApiProperty({ type: BacktestResultDto, nullable: true, description: 'Once completed: exactly what the inline backtest of the same request returns' })
  result!: BacktestResultDto | null;

  @ApiProperty({ type: String, nullable: true, example: null, description: 'Why the job failed, once failed' })
  error!: string | null;

  @ApiProperty({ example: '2026-12-04T20:30:00.000Z' })
  createdAt!: string;

  @ApiProperty({ type: String, nullable: true, example: '2026-12-04T20:30:02.000Z' })
  finishedAt!: string | null;
}
