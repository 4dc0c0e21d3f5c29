import { Body, Controller, Delete, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Actor, type AdminActor, AuditedInService } from '../admin/admin-actor';
import { Roles } from '../auth/auth.decorators';
import { ApiErrors, validationFailed } from '../common/http/api-errors.decorator';
import { UuidParam } from '../common/http/uuid-param';
import { Idempotent } from '../common/idempotency/idempotent.decorator';
import { CreatorDividendsService } from './creator-dividends.service';
import { CreatorQueriesService } from './creator-queries.service';
import { CreatorSharesService } from './creator-shares.service';
import { CreatorDetailDto } from './creator.dto';
import { CREATOR_NOT_FOUND, PERIOD_NOT_ENDED, USER_NOT_FOUND } from './creators.api-errors';
import { AdminDividendsQueryDto, DividendPeriodDto, RunDividendsDto } from './dividend.dto';
import { DividendJobs } from './dividend-jobs';
import { parsePeriod } from './dividend-periods';
import { AppConfig } from '../config/app-config';

const BAD_PERIOD = validationFailed('period', 'must be a UTC date (2026-01-05) or an ISO 8601 instant ending in Z', 'not a period start');

@ApiTags('admin')
@Roles('admin')
@Controller('admin')
export class CreatorsAdminController {
  constructor(
    private readonly shares: CreatorSharesService,
    private readonly queries: CreatorQueriesService,
    private readonly dividends: CreatorDividendsService,
    private readonly jobs: DividendJobs,
    private readonly config: AppConfig,
  ) {}

  @Post('creators/:userId')
  @ApiOperation({ summary: 'Grant the creator role and open the user’s share market (they get share 1); reopens a revoked one' })
  @HttpCode(200)
  @Idempotent()
  @ApiOkResponse({ type: CreatorDetailDto })
  @ApiErrors(USER_NOT_FOUND)
  @AuditedInService()
  grant(@Actor() actor: AdminActor, @UuidParam('userId', 'User') userId: string): Promise<CreatorDetailDto> {
    return this.shares.grant(userId, actor);
  }

  @Delete('creators/:userId')
  @ApiOperation({ summary: 'Revoke the creator role: buying their shares stops, holders can still sell' })
  @Idempotent()
  @ApiOkResponse({ type: CreatorDetailDto, description: 'REVOKED' })
  @ApiErrors(USER_NOT_FOUND, CREATOR_NOT_FOUND)
  @AuditedInService()
  revoke(@Actor() actor: AdminActor, @UuidParam('userId', 'User') userId: string): Promise<CreatorDetailDto> {
    return this.shares.revoke(userId, actor);
  }

  @Get('dividends')
  @ApiOperation({ summary: 'One dividend period: whether it ran, what was funded and paid, per creator' })
  @ApiOkResponse({ type: DividendPeriodDto })
  @ApiErrors(BAD_PERIOD)
  period(@Query() query: AdminDividendsQueryDto): Promise<DividendPeriodDto> {
    const period = query.period === undefined ? this.queries.latestEndedPeriod() : parsePeriod(query.period, this.config.creators.dividendPeriodSeconds);
    return this.queries.period(period);
  }

  // No @AuditedInService(): this only enqueues the dividend job (no transaction of its own to write in), so the
  // global AdminAuditInterceptor records it after success.
  @Post('dividends/run')
  @ApiOperation({ summary: 'Run the dividend job of an ended period now (idempotent: it pays only holders not yet paid)' })
  @HttpCode(202)
  @Idempotent()
  @ApiAcceptedResponse({ type: DividendPeriodDto, description: 'The job is enqueued; poll GET /api/v1/admin/dividends?period= for its progress' })
  @ApiErrors(BAD_PERIOD, PERIOD_NOT_ENDED)
  async run(@Body() body: RunDividendsDto): Promise<DividendPeriodDto> {
    const period = parsePeriod(body.period, this.config.creators.dividendPeriodSeconds);
    this.dividends.assertEnded(period);
    await this.jobs.enqueue(period, { rerun: true });
    return this.queries.period(period);
  }
}
