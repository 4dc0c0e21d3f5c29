import { Body, Controller, Get, HttpCode, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiConflictResponse, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { AuthenticatedUser } from '../auth/authenticated-user';
import { CurrentUser, Roles } from '../auth/auth.decorators';
import { ErrorBody } from '../common/http/error-body';
import { Idempotent } from '../common/idempotency/idempotent.decorator';
import { UuidParam } from '../common/http/uuid-param';
import { CreateMarketDto, MarketDto, MarketPoolReportDto, ResolveMarketDto, UpdateMarketDto } from './market.dto';
import { MarketQueriesService } from './market-queries.service';
import { MarketsService } from './markets.service';

@ApiTags('admin')
@ApiBearerAuth('bearer')
@Roles('admin')
@Controller('admin/markets')
export class MarketsAdminController {
  constructor(
    private readonly markets: MarketsService,
    private readonly queries: MarketQueriesService,
  ) {}

  @Post()
  @Idempotent()
  @ApiCreatedResponse({ type: MarketDto, description: 'OPEN; the subsidy moved from the house into the market’s pool' })
  create(@CurrentUser() caller: AuthenticatedUser, @Body() body: CreateMarketDto): Promise<MarketDto> {
    return this.markets.create({ house: true, adminId: caller.id }, body);
  }

  @Get('pool-check')
  @ApiOkResponse({ type: MarketPoolReportDto, description: 'Every OPEN or CLOSED market’s pool holds at least max_i q_i' })
  poolCheck(): Promise<MarketPoolReportDto> {
    return this.queries.poolCheck();
  }

  @Patch(':id')
  @ApiOkResponse({ type: MarketDto, description: 'Question, description, category; closesAt may only be extended' })
  @ApiConflictResponse({ type: ErrorBody, description: 'InvalidMarketTransition: closesAt can no longer change (the market is not OPEN, or its closesAt has passed)' })
  update(@UuidParam('id', 'Market') id: string, @Body() body: UpdateMarketDto): Promise<MarketDto> {
    return this.markets.update(id, body);
  }

  @Post(':id/resolve')
  @HttpCode(200)
  @Idempotent()
  @ApiOkResponse({ type: MarketDto, description: 'RESOLVED; the market-resolution job pays each winning share 1 USDC' })
  @ApiConflictResponse({ type: ErrorBody, description: 'InvalidMarketTransition: already RESOLVED or CANCELLED' })
  resolve(@UuidParam('id', 'Market') id: string, @Body() body: ResolveMarketDto): Promise<MarketDto> {
    return this.markets.resolve(id, body.outcome);
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @Idempotent()
  @ApiOkResponse({ type: MarketDto, description: 'CANCELLED; the market-resolution job refunds paid minus received to everyone' })
  @ApiConflictResponse({ type: ErrorBody, description: 'InvalidMarketTransition: already RESOLVED or CANCELLED' })
  cancel(@UuidParam('id', 'Market') id: string): Promise<MarketDto> {
    return this.markets.cancel(id);
  }
}
