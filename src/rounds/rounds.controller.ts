import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AuthenticatedUser } from '../auth/authenticated-user';
import { CurrentUser, Public } from '../auth/auth.decorators';
import { ApiErrors, ApiErrorSpec } from '../common/http/api-errors.decorator';
import { PageQueryDto } from '../common/http/pagination';
import { UuidParam } from '../common/http/uuid-param';
import { Idempotent } from '../common/idempotency/idempotent.decorator';
import {
  FairnessDto,
  MyRoundDto,
  OpenRoundPositionDto,
  PlaceSideBetDto,
  RoundDto,
  RoundOddsDto,
  RoundPageDto,
  RoundPositionDto,
  RoundSideBetDto,
  RoundVerificationDto,
} from './rounds.dto';
import { RoundNotFound, RoundPositionNotFound } from './round-errors';
import { RoundsService } from './rounds.service';

const ROUND_ID = '0c2e55f0-b37d-448d-8941-077de71a0142';
const ROUND_NOT_FOUND: ApiErrorSpec = { status: 404, error: 'RoundNotFound', message: `Round ${ROUND_ID} not found`, description: 'no such round' };

function roundState(what: string, expected: string[], status: string, description: string): ApiErrorSpec {
  return {
    status: 409,
    error: 'RoundStateConflict',
    message: `${what} only while the round is ${expected.join(' or ')}; it is ${status}`,
    details: { status, expected },
    description,
  };
}

const STAKE_OUT_OF_LIMITS: ApiErrorSpec = {
  status: 422,
  error: 'StakeOutOfLimits',
  message: 'amount must be between 0.1 and 1000 USDC',
  details: { min: '0.1', max: '1000' },
  description: 'the amount is outside the round’s stake limits',
};

const INSUFFICIENT_FUNDS: ApiErrorSpec = {
  status: 422,
  error: 'InsufficientFunds',
  message: 'available balance 4.000000 USDC is less than 10.100000 USDC',
  details: { asset: 'USDC', bucket: 'available', balance: '4.000000', required: '10.100000' },
  description: 'the available balance does not cover the stake and fee',
};

@ApiTags('rounds')
@Controller('rounds')
export class RoundsController {
  constructor(private readonly rounds: RoundsService) {}

  @Get('current')
  @ApiOperation({ summary: 'The live round (or the latest) with its candles so far' })
  @Public()
  @ApiOkResponse({ type: RoundDto, description: 'The live round (PENDING or ACTIVE), else the latest, with its candles so far' })
  @ApiErrors({ ...ROUND_NOT_FOUND, message: 'Round current not found', description: 'no round yet' })
  current(): Promise<RoundDto> {
    return this.rounds.current();
  }

  @Get('fairness')
  @ApiOperation({ summary: 'The committed seed chain: its terminal hash was published before any of its rounds' })
  @Public()
  @ApiOkResponse({ type: FairnessDto, description: 'The committed seed chain: terminal hash published before any of its rounds' })
  fairness(): Promise<FairnessDto> {
    return this.rounds.fairness();
  }

  @Get()
  @ApiOperation({ summary: 'Past and live rounds, newest first (without candles)' })
  @Public()
  @ApiOkResponse({ type: RoundPageDto, description: 'Rounds, newest first, without candles' })
  history(@Query() query: PageQueryDto): Promise<RoundPageDto> {
    return this.rounds.history(query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One round with its candles' })
  @Public()
  @ApiOkResponse({ type: RoundDto })
  @ApiErrors(ROUND_NOT_FOUND)
  byId(@UuidParam('id', RoundNotFound) id: string): Promise<RoundDto> {
    return this.rounds.byId(id);
  }

  @Get(':id/verify')
  @Public()
  @ApiOperation({ summary: 'Everything needed to recompute the round (cm-v1); `npm run verify-round -- <id>` checks it' })
  @ApiOkResponse({ type: RoundVerificationDto })
  @ApiErrors(ROUND_NOT_FOUND, {
    status: 409,
    error: 'RoundNotEnded',
    message: 'The round is ACTIVE; it can be verified once it has ended',
    details: { status: 'ACTIVE', expected: ['ENDED', 'SETTLED'] },
    description: 'the seed is revealed when the round ends',
  })
  verify(@UuidParam('id', RoundNotFound) id: string): Promise<RoundVerificationDto> {
    return this.rounds.verification(id);
  }

  @Get(':id/odds')
  @ApiOperation({ summary: 'Odds and payout of a side bet placed now' })
  @Public()
  @ApiOkResponse({ type: RoundOddsDto, description: 'For a side bet placed now' })
  @ApiErrors(ROUND_NOT_FOUND, roundState('Odds are quoted', ['PENDING', 'ACTIVE'], 'ENDED', 'the round takes no side bets any more'))
  odds(@UuidParam('id', RoundNotFound) id: string): Promise<RoundOddsDto> {
    return this.rounds.odds(id);
  }

  @Get(':id/me')
  @ApiOperation({ summary: 'Your positions and side bets in a round' })
  @ApiOkResponse({ type: MyRoundDto, description: 'The caller’s positions and side bets in this round' })
  @ApiErrors(ROUND_NOT_FOUND)
  mine(@CurrentUser() caller: AuthenticatedUser, @UuidParam('id', RoundNotFound) id: string): Promise<MyRoundDto> {
    return this.rounds.mine(caller.id, id);
  }

  @Post(':id/positions')
  @ApiOperation({ summary: 'Open a long or short position in the live round at its latest close' })
  @Idempotent()
  @ApiCreatedResponse({ type: RoundPositionDto, description: 'Entered at the latest close; fee to fees, stake to the round’s pot' })
  @ApiErrors(
    ROUND_NOT_FOUND,
    roundState('Positions open', ['ACTIVE'], 'PENDING', 'the round is not ACTIVE'),
    STAKE_OUT_OF_LIMITS,
    {
      status: 422,
      error: 'TooManyOpenPositions',
      message: 'At most 10 open positions per player per round',
      details: { limit: 10 },
      description: 'the player’s open positions in this round are at the limit',
    },
    INSUFFICIENT_FUNDS,
  )
  openPosition(@CurrentUser() caller: AuthenticatedUser, @UuidParam('id', RoundNotFound) id: string, @Body() body: OpenRoundPositionDto): Promise<RoundPositionDto> {
    return this.rounds.openPosition(caller.id, id, body);
  }

  @Post(':id/positions/:positionId/close')
  @ApiOperation({ summary: 'Close one of your positions at the round’s latest close and collect its payout' })
  @HttpCode(200)
  @Idempotent()
  @ApiOkResponse({ type: RoundPositionDto, description: 'Exited at the latest close; the payout is credited' })
  @ApiErrors(
    ROUND_NOT_FOUND,
    {
      status: 404,
      error: 'RoundPositionNotFound',
      message: 'Position 6b8d0f2a-4c6e-4a1b-9d3f-5e7a9c1b3d5f not found in this round',
      description: 'no such position in this round (also for another player’s position)',
    },
    {
      status: 409,
      error: 'PositionAlreadyClosed',
      message: 'Position 6b8d0f2a-4c6e-4a1b-9d3f-5e7a9c1b3d5f is already closed',
      description: 'the position was closed before',
    },
    roundState('Positions close', ['ACTIVE'], 'ENDED', 'the round is not ACTIVE'),
  )
  closePosition(@CurrentUser() caller: AuthenticatedUser, @UuidParam('id', RoundNotFound) id: string, @UuidParam('positionId', RoundPositionNotFound) positionId: string): Promise<RoundPositionDto> {
    return this.rounds.closePosition(caller.id, id, positionId);
  }

  @Post(':id/side-bets')
  @ApiOperation({ summary: 'Bet that the round ends (rugs) within the next side-bet window of ticks' })
  @Idempotent()
  @ApiCreatedResponse({ type: RoundSideBetDto, description: 'Wins if the round rugs in [startTick, endTick]' })
  @ApiErrors(
    ROUND_NOT_FOUND,
    roundState('Side bets are taken', ['PENDING', 'ACTIVE'], 'ENDED', 'the round is not PENDING or ACTIVE'),
    {
      status: 409,
      error: 'SideBetAlreadyActive',
      message: 'You already have an unresolved side bet in this round',
      description: 'one unresolved side bet per player and round',
    },
    STAKE_OUT_OF_LIMITS,
    { ...INSUFFICIENT_FUNDS, message: 'available balance 4.000000 USDC is less than 10.000000 USDC', details: { asset: 'USDC', bucket: 'available', balance: '4.000000', required: '10.000000' } },
  )
  placeSideBet(@CurrentUser() caller: AuthenticatedUser, @UuidParam('id', RoundNotFound) id: string, @Body() body: PlaceSideBetDto): Promise<RoundSideBetDto> {
    return this.rounds.placeSideBet(caller.id, id, body);
  }
}
