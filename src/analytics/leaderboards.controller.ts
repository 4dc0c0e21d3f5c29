import { Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import type { AuthenticatedUser } from '../auth/authenticated-user';
import { CurrentUser, Public, Roles } from '../auth/auth.decorators';
import { ApiErrors, validationFailed } from '../common/http/api-errors.decorator';
import { AnalyticsJobs } from './analytics-jobs';
import { LeaderboardDto, LeaderboardQueryDto } from './analytics.dto';
import { LeaderboardService } from './leaderboard.service';

@ApiTags('leaderboards')
@Controller('leaderboards')
export class LeaderboardsController {
  constructor(private readonly leaderboards: LeaderboardService) {}

  @Get()
  @Public()
  @ApiOperation({ summary: 'Top players by P&L or volume, per venue or overall, for the day, the week or all time; with your own rank when signed in' })
  @ApiOkResponse({ type: LeaderboardDto, description: 'Private profiles appear without id or name' })
  @ApiErrors(validationFailed('metric', 'metric must be one of the following values: pnl, volume'))
  read(@CurrentUser() caller: AuthenticatedUser | undefined, @Query() query: LeaderboardQueryDto): Promise<LeaderboardDto> {
    return this.leaderboards.read(query, caller?.id);
  }
}

export class AnalyticsRebuildDto {
  @ApiProperty({ example: 'rebuild-29938395' })
  jobId!: string;
}

@ApiTags('admin')
@Roles('admin')
@Controller('admin/analytics')
export class AnalyticsAdminController {
  constructor(private readonly jobs: AnalyticsJobs) {}

  // No @AuditedInService(): this only enqueues the analytics job (no transaction of its own to write in), so the
  // global AdminAuditInterceptor records it after success.
  @Post('rebuild')
  @HttpCode(202)
  @ApiOperation({ summary: 'Enqueue the analytics job now: round statistics backfilled, leaderboards rebuilt from PostgreSQL' })
  @ApiAcceptedResponse({ type: AnalyticsRebuildDto })
  async rebuild(): Promise<AnalyticsRebuildDto> {
    return { jobId: await this.jobs.enqueueRebuild() };
  }
}
