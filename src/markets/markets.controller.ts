import { Body, Controller, Get, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import type { AuthenticatedUser } from '../auth/authenticated-user';
import { CurrentUser, Public, Roles } from '../auth/auth.decorators';
import { ErrorBody } from '../common/http/error-body';
import { PageQueryDto } from '../common/http/pagination';
import { Idempotent } from '../common/idempotency/idempotent.decorator';
import { UuidParam } from '../common/http/uuid-param';
import {
  BuyDto,
  CreateMarketDto,
  FillDto,
  HistoryQueryDto,
  ListMarketsQueryDto,
  MarketDto,
  MarketPageDto,
  MarketPositionPageDto,
  MarketTradePageDto,
  PriceHistoryDto,
  QuoteDto,
  QuoteQueryDto,
  SellDto,
} from './market.dto';
import { MarketQueriesService } from './market-queries.service';
import { MarketTradingService } from './market-trading.service';
import { MarketsService } from './markets.service';

@ApiTags('markets')
@ApiBearerAuth('bearer')
@Controller('markets')
export class MarketsController {
  constructor(
    private readonly markets: MarketsService,
    private readonly trading: MarketTradingService,
    private readonly queries: MarketQueriesService,
  ) {}

  @Get()
  @Public()
  @ApiOkResponse({ type: MarketPageDto, description: 'Prediction markets with current prices (cached; dropped on every change)' })
  list(@Query() query: ListMarketsQueryDto): Promise<MarketPageDto> {
    return this.queries.list(query);
  }

  @Post()
  @Roles('creator')
  @Idempotent()
  @ApiCreatedResponse({ type: MarketDto, description: 'OPEN; the subsidy moved from the creator’s balance into the market’s pool' })
  @ApiBadRequestResponse({ type: ErrorBody, description: 'ValidationFailed (2–20 distinct outcomes, closesAt in the future), InvalidMarketParameters' })
  @ApiUnprocessableEntityResponse({ type: ErrorBody, description: 'InsufficientFunds' })
  create(@CurrentUser() caller: AuthenticatedUser, @Body() body: CreateMarketDto): Promise<MarketDto> {
    return this.markets.create({ creatorId: caller.id }, body);
  }

  @Get('me/positions')
  @ApiOkResponse({ type: MarketPositionPageDto, description: 'The caller’s positions: shares, cost basis, current value, unrealized P&L' })
  positions(@CurrentUser() caller: AuthenticatedUser, @Query() query: PageQueryDto): Promise<MarketPositionPageDto> {
    return this.queries.positionsOf(caller.id, query);
  }

  @Get(':id')
  @Public()
  @ApiOkResponse({ type: MarketDto })
  @ApiNotFoundResponse({ type: ErrorBody })
  detail(@UuidParam('id', 'Market') id: string): Promise<MarketDto> {
    return this.queries.detail(id);
  }

  @Get(':id/history')
  @Public()
  @ApiOkResponse({ type: PriceHistoryDto, description: 'Last prices of each minute, hour or day (up to 500 intervals)' })
  @ApiNotFoundResponse({ type: ErrorBody })
  history(@UuidParam('id', 'Market') id: string, @Query() query: HistoryQueryDto): Promise<PriceHistoryDto> {
    return this.queries.history(id, query.interval);
  }

  @Get(':id/trades')
  @Public()
  @ApiOkResponse({ type: MarketTradePageDto, description: 'Fills on this market, newest first' })
  @ApiNotFoundResponse({ type: ErrorBody })
  trades(@UuidParam('id', 'Market') id: string, @Query() query: PageQueryDto): Promise<MarketTradePageDto> {
    return this.queries.trades(id, query);
  }

  @Get(':id/quote')
  @Public()
  @ApiOkResponse({ type: QuoteDto, description: 'What buy (amount) or sell (shares) would fill now, without trading; signed in, a sell quote also checks your holdings' })
  @ApiUnprocessableEntityResponse({ type: ErrorBody, description: 'MarketClosed, InsufficientShares (signed-in sell of more than held), TradeTooSmall, TradeTooLarge' })
  quote(@UuidParam('id', 'Market') id: string, @Query() query: QuoteQueryDto, @CurrentUser() user?: AuthenticatedUser): Promise<QuoteDto> {
    return this.trading.quote(id, query, user?.id);
  }

  @Post(':id/buy')
  @Idempotent()
  @ApiCreatedResponse({ type: FillDto, description: 'The fill; amount is what was paid, fee included' })
  @ApiUnprocessableEntityResponse({ type: ErrorBody, description: 'PriceMovedBeyondSlippage, MarketClosed, InsufficientFunds, TradeTooSmall, TradeTooLarge' })
  buy(@CurrentUser() caller: AuthenticatedUser, @UuidParam('id', 'Market') id: string, @Body() body: BuyDto): Promise<FillDto> {
    return this.trading.buy(caller.id, id, body);
  }

  @Post(':id/sell')
  @Idempotent()
  @ApiCreatedResponse({ type: FillDto, description: 'The fill; amount is what was received, net of fee' })
  @ApiUnprocessableEntityResponse({ type: ErrorBody, description: 'PriceMovedBeyondSlippage, MarketClosed, InsufficientShares, TradeTooSmall' })
  sell(@CurrentUser() caller: AuthenticatedUser, @UuidParam('id', 'Market') id: string, @Body() body: SellDto): Promise<FillDto> {
    return this.trading.sell(caller.id, id, body);
  }
}
