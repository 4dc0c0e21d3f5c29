import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AuthenticatedUser } from '../auth/authenticated-user';
import { CurrentUser, Public } from '../auth/auth.decorators';
import { ApiErrors, ApiErrorSpec } from '../common/http/api-errors.decorator';
import { PageQueryDto } from '../common/http/pagination';
import { UuidParam } from '../common/http/uuid-param';
import type { JsonSchema } from './core/json-schema';
import { StrategyNotFound } from './strategy-errors';
import {
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
const RUNNING: ApiErrorSpec = { status: 409, error: 'StrategyRunning', message: 'Stop the strategy before changing its rules or limits', description: 'rules and limits are fixed while it runs' };

@ApiTags('strategies')
@Controller('strategies')
export class StrategiesController {
  constructor(private readonly strategies: StrategiesService) {}

  @Get('schema')
  @Public()
  @ApiOperation({ summary: 'The JSON Schema (draft 2020-12) of a strategy document `{rules, limits}`' })
  @ApiOkResponse({ schema: { type: 'object', additionalProperties: true }, description: 'A JSON Schema' })
  schema(): JsonSchema {
    return this.strategies.schema();
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
  @ApiOperation({ summary: 'Replay the strategy over ended rounds, their paths recomputed from the revealed seeds, with the real fees and payouts' })
  @ApiOkResponse({ type: BacktestResultDto })
  @ApiErrors(NOT_FOUND, {
    status: 422,
    error: 'BacktestTooLarge',
    message: 'A backtest replays at most 10000 rounds; narrow fromRound/toRound or pass rounds',
    details: { maxRounds: 10000 },
    description: 'the range holds more rounds than one backtest replays',
  })
  backtest(@CurrentUser() caller: AuthenticatedUser, @UuidParam('id', StrategyNotFound) id: string, @Body() body: BacktestRequestDto): Promise<BacktestResultDto> {
    return this.strategies.backtest(caller.id, id, body);
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
