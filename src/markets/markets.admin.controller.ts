import { Body, Controller, Get, HttpCode, Patch, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AuthenticatedUser } from '../auth/authenticated-user';
import { CurrentUser, Roles } from '../auth/auth.decorators';
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
  @ApiOperation({ summary: 'Open a house market, its subsidy paid by the house' })
  @Idempotent()
  @ApiCreatedResponse({ type: MarketDto, description: 'OPEN; the subsidy moved from the house into the market’s pool' })
  @ApiErrors(...INVALID_MARKET)
  create(@CurrentUser() caller: AuthenticatedUser, @Body() body: CreateMarketDto): Promise<MarketDto> {
    return this.markets.create({ house: true, adminId: caller.id }, body);
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
  update(@UuidParam('id', 'Market') id: string, @Body() body: UpdateMarketDto): Promise<MarketDto> {
    return this.markets.update(id, body);
  }

  @Post(':id/resolve')
  @ApiOperation({ summary: 'Resolve a market to its winning outcome; a job then pays each winning share 1 USDC' })
  @HttpCode(200)
  @Idempotent()
  @ApiOkResponse({ type: MarketDto, description: 'RESOLVED; the market-resolution job pays each winning share 1 USDC' })
  @ApiErrors(UNKNOWN_OUTCOME, MARKET_NOT_FOUND, { ...INVALID_MARKET_TRANSITION, description: 'already RESOLVED or CANCELLED' })
  resolve(@UuidParam('id', 'Market') id: string, @Body() body: ResolveMarketDto): Promise<MarketDto> {
    return this.markets.resolve(id, body.outcome);
  }

  @Post(':id/cancel')
  @ApiOperation({ summary: 'Cancel a market; a job then refunds everyone what they paid minus what they received' })
  @HttpCode(200)
  @Idempotent()
  @ApiOkResponse({ type: MarketDto, description: 'CANCELLED; the market-resolution job refunds paid minus received to everyone' })
  @ApiErrors(MARKET_NOT_FOUND, { ...INVALID_MARKET_TRANSITION, description: 'already RESOLVED or CANCELLED' })
  cancel(@UuidParam('id', 'Market') id: string): Promise<MarketDto> {
    return this.markets.cancel(id);
  }
}
