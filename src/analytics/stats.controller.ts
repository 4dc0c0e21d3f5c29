import { Body, Controller, Get, Patch, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AuthenticatedUser } from '../auth/authenticated-user';
import { CurrentUser, Public } from '../auth/auth.decorators';
import { ApiErrors, ApiErrorSpec, validationFailed } from '../common/http/api-errors.decorator';
import { UuidParam } from '../common/http/uuid-param';
import { PlayerNotFound } from './analytics-errors';
import { PlayerStatsDto, ProfileDto, StatsQueryDto, UpdateProfileDto } from './analytics.dto';
import { PlayerStatsService } from './player-stats.service';
import { ProfilesService } from './profiles.service';

const PLAYER_NOT_FOUND: ApiErrorSpec = {
  status: 404,
  error: 'PlayerNotFound',
  message: 'Player 6f1c0c5e-8d0b-4b53-9a55-0f3f1f0d9a10 not found',
  description: 'no such user, or their profile is private',
};

@ApiTags('stats')
@Controller()
export class StatsController {
  constructor(
    private readonly stats: PlayerStatsService,
    private readonly profiles: ProfilesService,
  ) {}

  @Get('me/stats')
  @ApiOperation({ summary: 'Your statistics per venue and overall: P&L, volume, trades, win rate, average size, best and worst trade, open positions' })
  @ApiOkResponse({ type: PlayerStatsDto })
  @ApiErrors(validationFailed('period', 'period must be one of the following values: today, 7d, 30d, all'))
  mine(@CurrentUser() caller: AuthenticatedUser, @Query() query: StatsQueryDto): Promise<PlayerStatsDto> {
    return this.stats.mine(caller.id, query.period);
  }

  @Get('me/profile')
  @ApiOperation({ summary: 'Your public profile settings' })
  @ApiOkResponse({ type: ProfileDto })
  profile(@CurrentUser() caller: AuthenticatedUser): Promise<ProfileDto> {
    return this.profiles.mine(caller.id);
  }

  @Patch('me/profile')
  @ApiOperation({ summary: 'Pick a display name and whether your statistics and name are public (private by default)' })
  @ApiOkResponse({ type: ProfileDto })
  @ApiErrors(validationFailed('displayName', 'displayName must be 3–32 characters of letters, digits, space, _ - .'), {
    status: 409,
    error: 'DisplayNameTaken',
    message: 'Display name "Satoshi" is taken',
    description: 'another player has this display name',
  })
  updateProfile(@CurrentUser() caller: AuthenticatedUser, @Body() body: UpdateProfileDto): Promise<ProfileDto> {
    return this.profiles.update(caller.id, body);
  }

  @Get('users/:id/stats')
  @Public()
  @ApiOperation({ summary: 'A player’s statistics, if their profile is public (yours always)' })
  @ApiOkResponse({ type: PlayerStatsDto })
  @ApiErrors(PLAYER_NOT_FOUND)
  of(@CurrentUser() caller: AuthenticatedUser | undefined, @UuidParam('id', PlayerNotFound) id: string, @Query() query: StatsQueryDto): Promise<PlayerStatsDto> {
    return this.stats.of(caller?.id, id, query.period);
  }
}
