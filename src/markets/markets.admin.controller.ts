import { Body, Controller, Get, HttpCode, Patch, Post, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Actor, type AdminActor, AuditedInService } from '../admin/admin-actor';
import { ApprovalDto } from '../admin/admin.dto';
import { Roles } from '../auth/auth.decorators';
import { ApiErrors } from '../common/http/api-errors.decorator';
import { Idempotent } from '../common/idempotency/idempotent.decorator';
import { UuidParam } from '../common/http/uuid-param';
import { CreateMarketDto, MarketDto, MarketPoolReportDto, ResolveMarketDto, UpdateMarketDto } from './market.dto';
import { MarketQueriesService } from './market-queries.service';
import { INVALID_MARKET, INVALID_MARKET_TRANSITION, MARKET_NOT_FOUND, UNKNOWN_OUTCOME } from './markets.api-errors';
import { MarketsService } from './markets.service';

@ApiTags('admin')
@Roles('admin')
@Controller('admin/markets')
export class MarketsAdminController {
  constructor(
    private readonly markets: MarketsService,
    private readonly queries: MarketQueriesService,
  ) {}

  @Post()
  @ApiOperation({ summary: 'Open a house market, its subsidy paid by the house (above ADMIN_APPROVAL_THRESHOLD once a second admin approves)' })
  @Idempotent()
  @AuditedInService()
  @ApiCreatedResponse({ type: MarketDto, description: 'OPEN; the subsidy moved from the house into the market’s pool' })
  @ApiAcceptedResponse({ type: ApprovalDto, description: 'Subsidy above ADMIN_APPROVAL_THRESHOLD: a PENDING approval (its targetId is the market’s id to be); nothing opened yet' })
  @ApiErrors(...INVALID_MARKET)
  async create(@Actor() actor: AdminActor, @Body() body: CreateMarketDto, @Res({ passthrough: true }) response: Response): Promise<MarketDto | ApprovalDto> {
    const outcome = await this.markets.createAsAdmin(actor, body);
    if ('market' in outcome) return outcome.market;
    response.status(202);
    return outcome.approval;
  }

  @Get('pool-check')
  @ApiOperation({ summary: 'Check that every open or closed market’s pool can pay its worst outcome' })
  @ApiOkResponse({ type: MarketPoolReportDto, description: 'Every OPEN or CLOSED market’s pool holds at least max_i q_i' })
  poolCheck(): Promise<MarketPoolReportDto> {
    return this.queries.poolCheck();
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Edit a market’s question, description or category, or extend its closesAt' })
  @ApiOkResponse({ type: MarketDto, description: 'Question, description, category; closesAt may only be extended' })
  @ApiErrors(MARKET_NOT_FOUND, {
    ...INVALID_MARKET_TRANSITION,
    message: 'Market 3f0c9a52-0d7e-4a57-b0a3-2a8f6e1c9d40 is CLOSED; its closing time can no longer change',
    details: undefined,
    description: 'closesAt can no longer change (the market is not OPEN, or its closesAt has passed)',
  })
  @AuditedInService()
  update(@Actor() actor: AdminActor, @UuidParam('id', 'Market') id: string, @Body() body: UpdateMarketDto): Promise<MarketDto> {
    return this.markets.update(id, body, actor);
  }

  @Post(':id/resolve')
  @ApiOperation({ summary: 'Resolve a market to its winning outcome; a job then pays each winning share 1 USDC' })
  @HttpCode(200)
  @Idempotent()
  @ApiOkResponse({ type: MarketDto, description: 'RESOLVED; the market-resolution job pays each winning share 1 USDC' })
  @ApiErrors(UNKNOWN_OUTCOME, MARKET_NOT_FOUND, { ...INVALID_MARKET_TRANSITION, description: 'already RESOLVED or CANCELLED' })
  @AuditedInService()
  resolve(@Actor() actor: AdminActor, @UuidParam('id', 'Market') id: string, @Body() body: ResolveMarketDto): Promise<MarketDto> {
    return this.markets.resolve(id, body.outcome, actor);
  }

  @Post(':id/cancel')
  @ApiOperation({ summary: 'Cancel a market; a job then refunds everyone what they paid minus what they received' })
  @HttpCode(200)
  @Idempotent()
  @AuditedInService()
  @ApiOkResponse({ type: MarketDto, description: 'CANCELLING while the market-resolution job refunds paid minus received to everyone; CANCELLED once every refund is paid' })
  @ApiErrors(MARKET_NOT_FOUND, { ...INVALID_MARKET_TRANSITION, description: 'already RESOLVED, CANCELLING or CANCELLED' })
  cancel(@Actor() actor: AdminActor, @UuidParam('id', 'Market') id: string): Promise<MarketDto> {
    return this.markets.cancel(id, actor);
  }
}
