import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Query, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import type { AuthenticatedUser } from '../auth/authenticated-user';
import { CurrentUser, Public } from '../auth/auth.decorators';
import { ApiErrors, ApiErrorSpec } from '../common/http/api-errors.decorator';
import { PageQueryDto } from '../common/http/pagination';
import { UuidParam } from '../common/http/uuid-param';
import type { JsonSchema } from './core/json-schema';
import { BacktestJobNotFound, StrategyNotFound } from './strategy-errors';
import { BacktestOutcome, StrategyBacktests } from './strategy-backtests.service';
import {
  BacktestDocumentRequestDto,
  BacktestJobDto,
  BacktestQueuedDto,
  BacktestRequestDto,
  BacktestResultDto,
  CreateStrategyDto,
  StrategyDto,
  StrategyPageDto,
  StrategyPerformanceDto,
  StrategyRoundsDto,
  UpdateStrategyDto,
} from './strategies.dto';
import { StrategiesService } from './strategies.service';

const STRATEGY_ID = '9a0c8f4e-5a1d-4c0b-9f0e-3c1e2d4b5a69';
const NOT_FOUND: ApiErrorSpec = { status: 404, error: 'StrategyNotFound', message: `Strategy ${STRATEGY_ID} not found`, description: 'no such strategy of yours' };
const BAD_RULES: ApiErrorSpec = {
  status: 400,
  error: 'ValidationFailed',
  message: 'rules/entry/sizing/amount must match ^(0|[1-9][0-9]*)(\\.[0-9]{1,6})?$',
  details: [{ field: 'rules/entry/sizing/amount', messages: ['rules/entry/sizing/amount must match ^(0|[1-9][0-9]*)(\\.[0-9]{1,6})?$'] }],
  description: 'the rules or limits break the published schema; the message names the field by its path',
};
const TOO_LARGE: ApiErrorSpec = {
  status: 422,
  error: 'BacktestTooLarge',
  message: 'A backtest replays at most 10000 rounds (STRATEGY_BACKTEST_MAX_ROUNDS) and this range holds more than 10000; narrow fromRound/toRound or pass rounds',
  details: { maxRounds: 10000 },
  description: 'the range holds more rounds than one backtest replays (STRATEGY_BACKTEST_MAX_ROUNDS)',
};
const JOB_ID = '2f0d9c4b-8e1a-4b7c-9d3e-6a5b4c3d2e1f';
const JOB_NOT_FOUND: ApiErrorSpec = {
  status: 404,
  error: 'BacktestJobNotFound',
  message: `Backtest job ${JOB_ID} not found`,
  description: 'no such backtest job of yours (another user\'s job, or one finished longer ago than STRATEGY_BACKTEST_RESULT_TTL_SECONDS)',
};
const QUEUED_DESCRIPTION = 'More rounds than STRATEGY_BACKTEST_SYNC_ROUNDS (default 500): queued on `backtests`; follow it at `statusUrl` (and `backtest:progress` on `user:<id>`)';

/** 200 with the result, or 202 with the job that computes it. */
function answer(outcome: BacktestOutcome, response: Response): BacktestResultDto | BacktestQueuedDto {
  if (outcome.kind === 'inline') return outcome.result;
  response.status(202);
  return outcome.queued;
}

const RUNNING: ApiErrorSpec = { status: 409, error: 'StrategyRunning', message: 'Stop the strategy before changing its rules or limits', description: 'rules and limits are fixed while it runs' };

@ApiTags('strategies')
@Controller('strategies')
export class StrategiesController {
  constructor(
    private readonly strategies: StrategiesService,
    private readonly backtests: StrategyBacktests,
  ) {}

  @Get('schema')
  @Public()
  @ApiOperation({ summary: 'The JSON Schema (draft 2020-12) of a strategy document `{rules, limits}`' })
  @ApiOkResponse({ schema: { type: 'object', additionalProperties: true }, description: 'A JSON Schema' })
  schema(): JsonSchema {
    return this.strategies.schema();
  }

  @Post('backtest')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Replay a strategy document `{rules, limits}` (saved or not) over ended rounds, their paths recomputed from the revealed seeds, with the real fees and payouts',
  })
  @ApiOkResponse({ type: BacktestResultDto, description: 'At most STRATEGY_BACKTEST_SYNC_ROUNDS rounds (default 500): the result' })
  @ApiAcceptedResponse({ type: BacktestQueuedDto, description: QUEUED_DESCRIPTION })
  @ApiErrors(BAD_RULES, TOO_LARGE)
  async backtestDocument(
    @CurrentUser() caller: AuthenticatedUser,
    @Body() body: BacktestDocumentRequestDto,
    @Res({ passthrough: true }) response: Response,
  ): Promise<BacktestResultDto | BacktestQueuedDto> {
    return answer(await this.backtests.backtestDocument(caller.id, body), response);
  }

  @Get('backtests/:jobId')
  @ApiOperation({ summary: 'A queued backtest of yours: status, progress, and the result once completed' })
  @ApiOkResponse({ type: BacktestJobDto })
  @ApiErrors(JOB_NOT_FOUND)
  backtestJob(@CurrentUser() caller: AuthenticatedUser, @UuidParam('jobId', BacktestJobNotFound) jobId: string): Promise<BacktestJobDto> {
    return this.backtests.job(caller.id, jobId);
  }

  @Post()
  @ApiOperation({ summary: 'Save a strategy (stopped until started)' })
  @ApiCreatedResponse({ type: StrategyDto })
  @ApiErrors(BAD_RULES)
  create(@CurrentUser() caller: AuthenticatedUser, @Body() body: CreateStrategyDto): Promise<StrategyDto> {
    return this.strategies.create(caller.id, body);
  }

  @Get()
  @ApiOperation({ summary: 'Your strategies, newest first' })
  @ApiOkResponse({ type: StrategyPageDto })
  list(@CurrentUser() caller: AuthenticatedUser, @Query() query: PageQueryDto): Promise<StrategyPageDto> {
    return this.strategies.list(caller.id, query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One of your strategies with its running or last session' })
  @ApiOkResponse({ type: StrategyDto })
  @ApiErrors(NOT_FOUND)
  get(@CurrentUser() caller: AuthenticatedUser, @UuidParam('id', StrategyNotFound) id: string): Promise<StrategyDto> {
    return this.strategies.get(caller.id, id);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Rename a strategy, or change its rules or limits while it is stopped' })
  @ApiOkResponse({ type: StrategyDto })
  @ApiErrors(NOT_FOUND, BAD_RULES, RUNNING)
  update(@CurrentUser() caller: AuthenticatedUser, @UuidParam('id', StrategyNotFound) id: string, @Body() body: UpdateStrategyDto): Promise<StrategyDto> {
    return this.strategies.update(caller.id, id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a strategy (a running one stops; what it holds in the live round settles with the round)' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrors(NOT_FOUND)
  remove(@CurrentUser() caller: AuthenticatedUser, @UuidParam('id', StrategyNotFound) id: string): Promise<void> {
    return this.strategies.remove(caller.id, id);
  }

  @Post(':id/backtest')
  @HttpCode(200)
  @ApiOperation({ summary: 'Replay the saved strategy over ended rounds, their paths recomputed from the revealed seeds, with the real fees and payouts' })
  @ApiOkResponse({ type: BacktestResultDto, description: 'At most STRATEGY_BACKTEST_SYNC_ROUNDS rounds (default 500): the result' })
  @ApiAcceptedResponse({ type: BacktestQueuedDto, description: QUEUED_DESCRIPTION })
  @ApiErrors(NOT_FOUND, TOO_LARGE)
  async backtest(
    @CurrentUser() caller: AuthenticatedUser,
    @UuidParam('id', StrategyNotFound) id: string,
    @Body() body: BacktestRequestDto,
    @Res({ passthrough: true }) response: Response,
  ): Promise<BacktestResultDto | BacktestQueuedDto> {
    return answer(await this.backtests.backtestSaved(caller.id, id, body), response);
  }

  @Post(':id/start')
  @HttpCode(200)
  @ApiOperation({ summary: 'Play the strategy on every round from the next one until stopped or a limit is hit (its stakes are ordinary positions and side bets)' })
  @ApiOkResponse({ type: StrategyDto })
  @ApiErrors(NOT_FOUND)
  start(@CurrentUser() caller: AuthenticatedUser, @UuidParam('id', StrategyNotFound) id: string): Promise<StrategyDto> {
    return this.strategies.start(caller.id, id);
  }

  @Post(':id/stop')
  @HttpCode(200)
  @ApiOperation({ summary: 'Stop playing; what the strategy holds in the live round settles with the round' })
  @ApiOkResponse({ type: StrategyDto })
  @ApiErrors(NOT_FOUND)
  stop(@CurrentUser() caller: AuthenticatedUser, @UuidParam('id', StrategyNotFound) id: string): Promise<StrategyDto> {
    return this.strategies.stop(caller.id, id);
  }

  @Get(':id/rounds')
  @ApiOperation({ summary: 'What the running (or last) session did, round by round' })
  @ApiOkResponse({ type: StrategyRoundsDto })
  @ApiErrors(NOT_FOUND)
  rounds(@CurrentUser() caller: AuthenticatedUser, @UuidParam('id', StrategyNotFound) id: string): Promise<StrategyRoundsDto> {
    return this.strategies.sessionRounds(caller.id, id);
  }

  @Get(':id/performance')
  @ApiOperation({ summary: 'Tracked live performance per session: bets, wins, wagered, profit, win rate, max drawdown, Sharpe ratio per round' })
  @ApiOkResponse({ type: StrategyPerformanceDto })
  @ApiErrors(NOT_FOUND)
  performance(@CurrentUser() caller: AuthenticatedUser, @UuidParam('id', StrategyNotFound) id: string): Promise<StrategyPerformanceDto> {
    return this.strategies.performance(caller.id, id);
  }
}
