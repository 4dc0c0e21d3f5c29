import { Body, Controller, Get, HttpCode, Post, Put, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Actor, type AdminActor, AuditedInService } from '../admin/admin-actor';
import { ApiErrors, validationFailed } from '../common/http/api-errors.decorator';
import { Roles } from '../auth/auth.decorators';
import { PageQueryDto } from '../common/http/pagination';
import { RoundConfigDto, RoundSettingsDto, RoundStatsPageDto } from './rounds.dto';
import { RoundsAdminService } from './rounds-admin.service';

@ApiTags('admin')
@Roles('admin')
@Controller('admin/rounds')
export class RoundsAdminController {
  constructor(private readonly admin: RoundsAdminService) {}

  @Post('pause')
  @ApiOperation({ summary: 'Pause rounds: the live round plays to its end and no new one starts' })
  @HttpCode(200)
  @ApiOkResponse({ type: RoundSettingsDto, description: 'The current round plays to its end; no new round starts until resumed' })
  @AuditedInService()
  pause(@Actor() actor: AdminActor): Promise<RoundSettingsDto> {
    return this.admin.setPaused(true, actor);
  }

  @Post('resume')
  @ApiOperation({ summary: 'Resume rounds: the engine creates the next one' })
  @HttpCode(200)
  @ApiOkResponse({ type: RoundSettingsDto, description: 'The engine creates the next round' })
  @AuditedInService()
  resume(@Actor() actor: AdminActor): Promise<RoundSettingsDto> {
    return this.admin.setPaused(false, actor);
  }

  @Get('config')
  @ApiOperation({ summary: 'The settings new rounds are created with' })
  @ApiOkResponse({ type: RoundSettingsDto })
  config(): Promise<RoundSettingsDto> {
    return this.admin.settingsView();
  }

  @Put('config')
  @ApiOperation({ summary: 'Change the settings of future rounds (tick, fee, stake limits, side bets, max ticks)' })
  @ApiOkResponse({ type: RoundSettingsDto, description: 'Applies to rounds created from now on; a live round keeps its rules' })
  @ApiErrors(validationFailed('tickMs', 'must not be less than 5'))
  @AuditedInService()
  configure(@Actor() actor: AdminActor, @Body() body: RoundConfigDto): Promise<RoundSettingsDto> {
    return this.admin.configure(body, actor);
  }

  @Get('stats')
  @ApiOperation({ summary: 'Per round: volume, fees, payouts and the house result, newest first' })
  @ApiOkResponse({ type: RoundStatsPageDto, description: 'Per round, newest first' })
  stats(@Query() query: PageQueryDto): Promise<RoundStatsPageDto> {
    return this.admin.stats(query);
  }
}
