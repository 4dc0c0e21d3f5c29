import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import type { AuthenticatedUser } from '../auth/authenticated-user';
import { CurrentUser, Public } from '../auth/auth.decorators';
import { ErrorBody } from '../common/http/error-body';
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

@ApiTags('rounds')
@Controller('rounds')
export class RoundsController {
  constructor(private readonly rounds: RoundsService) {}

  @Get('current')
  @Public()
  @ApiOkResponse({ type: RoundDto, description: 'The live round (PENDING or ACTIVE), else the latest, with its candles so far' })
  @ApiNotFoundResponse({ type: ErrorBody, description: 'No round yet' })
  current(): Promise<RoundDto> {
    return this.rounds.current();
  }

  @Get('fairness')
  @Public()
  @ApiOkResponse({ type: FairnessDto, description: 'The committed seed chain: terminal hash published before any of its rounds' })
  fairness(): Promise<FairnessDto> {
    return this.rounds.fairness();
  }

  @Get()
  @Public()
  @ApiOkResponse({ type: RoundPageDto, description: 'Rounds, newest first, without candles' })
  history(@Query() query: PageQueryDto): Promise<RoundPageDto> {
    return this.rounds.history(query);
  }

  @Get(':id')
  @Public()
  @ApiOkResponse({ type: RoundDto })
  @ApiNotFoundResponse({ type: ErrorBody })
  byId(@UuidParam('id', RoundNotFound) id: string): Promise<RoundDto> {
    return this.rounds.byId(id);
  }

  @Get(':id/verify')
  @Public()
  @ApiOperation({ summary: 'Everything needed to recompute the round (cm-v1); `npm run verify-round -- <id>` checks it' })
  @ApiOkResponse({ type: RoundVerificationDto })
  @ApiNotFoundResponse({ type: ErrorBody })
  @ApiConflictResponse({ type: ErrorBody, description: 'RoundNotEnded: the seed is revealed when the round ends' })
  verify(@UuidParam('id', RoundNotFound) id: string): Promise<RoundVerificationDto> {
    return this.rounds.verification(id);
  }

  @Get(':id/odds')
  @Public()
  @ApiOkResponse({ type: RoundOddsDto, description: 'For a side bet placed now' })
  @ApiNotFoundResponse({ type: ErrorBody })
  @ApiConflictResponse({ type: ErrorBody, description: 'RoundStateConflict: the round takes no side bets any more' })
  odds(@UuidParam('id', RoundNotFound) id: string): Promise<RoundOddsDto> {
    return this.rounds.odds(id);
  }

  @Get(':id/me')
  @ApiBearerAuth('bearer')
  @ApiOkResponse({ type: MyRoundDto, description: 'The caller’s positions and side bets in this round' })
  @ApiNotFoundResponse({ type: ErrorBody })
  mine(@CurrentUser() caller: AuthenticatedUser, @UuidParam('id', RoundNotFound) id: string): Promise<MyRoundDto> {
    return this.rounds.mine(caller.id, id);
  }

  @Post(':id/positions')
  @Idempotent()
  @ApiBearerAuth('bearer')
  @ApiCreatedResponse({ type: RoundPositionDto, description: 'Entered at the latest close; fee to fees, stake to the round’s pot' })
  @ApiNotFoundResponse({ type: ErrorBody, description: 'RoundNotFound' })
  @ApiConflictResponse({ type: ErrorBody, description: 'RoundStateConflict: the round is not ACTIVE' })
  @ApiUnprocessableEntityResponse({ type: ErrorBody, description: 'StakeOutOfLimits, TooManyOpenPositions, InsufficientFunds' })
  openPosition(@CurrentUser() caller: AuthenticatedUser, @UuidParam('id', RoundNotFound) id: string, @Body() body: OpenRoundPositionDto): Promise<RoundPositionDto> {
    return this.rounds.openPosition(caller.id, id, body);
  }

  @Post(':id/positions/:positionId/close')
  @HttpCode(200)
  @Idempotent()
  @ApiBearerAuth('bearer')
  @ApiOkResponse({ type: RoundPositionDto, description: 'Exited at the latest close; the payout is credited' })
  @ApiNotFoundResponse({ type: ErrorBody, description: 'RoundNotFound, or RoundPositionNotFound (also for another player’s position)' })
  @ApiConflictResponse({ type: ErrorBody, description: 'PositionAlreadyClosed, or RoundStateConflict: the round is not ACTIVE' })
  closePosition(@CurrentUser() caller: AuthenticatedUser, @UuidParam('id', RoundNotFound) id: string, @UuidParam('positionId', RoundPositionNotFound) positionId: string): Promise<RoundPositionDto> {
    return this.rounds.closePosition(caller.id, id, positionId);
  }

  @Post(':id/side-bets')
  @Idempotent()
  @ApiBearerAuth('bearer')
  @ApiCreatedResponse({ type: RoundSideBetDto, description: 'Wins if the round rugs in [startTick, endTick]' })
  @ApiNotFoundResponse({ type: ErrorBody, description: 'RoundNotFound' })
  @ApiConflictResponse({ type: ErrorBody, description: 'RoundStateConflict (not PENDING or ACTIVE), or SideBetAlreadyActive' })
  @ApiUnprocessableEntityResponse({ type: ErrorBody, description: 'StakeOutOfLimits, InsufficientFunds' })
  placeSideBet(@CurrentUser() caller: AuthenticatedUser, @UuidParam('id', RoundNotFound) id: string, @Body() body: PlaceSideBetDto): Promise<RoundSideBetDto> {
    return this.rounds.placeSideBet(caller.id, id, body);
  }
}
