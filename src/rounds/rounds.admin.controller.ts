import { Body, Controller, Get, HttpCode, Post, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Roles } from '../auth/auth.decorators';
import { PageQueryDto } from '../common/http/pagination';
import { RoundConfigDto, RoundSettingsDto, RoundStatsPageDto } from './rounds.dto';
import { RoundsAdminService } from './rounds-admin.service';

@ApiTags('admin')
@ApiBearerAuth('bearer')
@Roles('admin')
@Controller('admin/rounds')
export class RoundsAdminController {
  constructor(private readonly admin: RoundsAdminService) {}

  @Post('pause')
  @HttpCode(200)
  @ApiOkResponse({ type: RoundSettingsDto, description: 'The current round plays to its end; no new round starts until resumed' })
  pause(): Promise<RoundSettingsDto> {
    return this.admin.setPaused(true);
  }

  @Post('resume')
  @HttpCode(200)
  @ApiOkResponse({ type: RoundSettingsDto, description: 'The engine creates the next round' })
  resume(): Promise<RoundSettingsDto> {
    return this.admin.setPaused(false);
  }

  @Get('config')
  @ApiOkResponse({ type: RoundSettingsDto })
  config(): Promise<RoundSettingsDto> {
    return this.admin.settingsView();
  }

  @Put('config')
  @ApiOkResponse({ type: RoundSettingsDto, description: 'Applies to rounds created from now on; a live round keeps its rules' })
  configure(@Body() body: RoundConfigDto): Promise<RoundSettingsDto> {
    return this.admin.configure(body);
  }

  @Get('stats')
  @ApiOkResponse({ type: RoundStatsPageDto, description: 'Per round, newest first' })
  stats(@Query() query: PageQueryDto): Promise<RoundStatsPageDto> {
    return this.admin.stats(query);
  }
}
