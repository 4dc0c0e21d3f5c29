import { Body, Controller, Get, Headers, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AuthenticatedUser } from '../auth/authenticated-user';
import { CurrentUser, Public, Roles } from '../auth/auth.decorators';
import { ApiErrors, validationFailed } from '../common/http/api-errors.decorator';
import { PageQueryDto } from '../common/http/pagination';
import { Idempotent } from '../common/idempotency/idempotent.decorator';
import { IDEMPOTENCY_KEY_HEADER } from '../common/idempotency/idempotency.interceptor';
import { UuidParam } from '../common/http/uuid-param';
import {
  BuyDto,
  CreateMarketDto,
  MarketFillDto,
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
import { CandlesDto, MarketCandlesQueryDto, TickerDto } from './market-data.dto';
import { MarketDataService } from './market-data.service';
import { MarketQueriesService } from './market-queries.service';
import { MarketTradingService } from './market-trading.service';
import {
  INSUFFICIENT_FUNDS,
  INSUFFICIENT_SHARES,
  INVALID_MARKET,
  MARKET_CLOSED,
  MARKET_NOT_FOUND,
  slippage,
  TRADE_TOO_LARGE,
  TRADE_TOO_SMALL,
  UNKNOWN_OUTCOME,
  BAD_CANDLE_QUERY,
} from './markets.api-errors';
import { MarketsService } from './markets.service';

@ApiTags('markets')
@Controller('markets')
export class MarketsController {
  constructor(
    private readonly markets: MarketsService,
    private readonly trading: MarketTradingService,
    private readonly queries: MarketQueriesService,
    private readonly marketData: MarketDataService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Browse prediction markets with current prices (filter, search, sort)' })
  @Public()
  @ApiOkResponse({ type: MarketPageDto, description: 'Prediction markets with current prices (cached; dropped on every change)' })
  list(@Query() query: ListMarketsQueryDto): Promise<MarketPageDto> {
    return this.queries.list(query);
  }

  @Post()
  @ApiOperation({ summary: 'Open a market as a creator, its subsidy paid from your balance (you earn a share of its fees)' })
  @Roles('creator')
  @Idempotent()
  @ApiCreatedResponse({ type: MarketDto, description: 'OPEN; the subsidy moved from the creator’s balance into the market’s pool' })
  @ApiErrors(...INVALID_MARKET, INSUFFICIENT_FUNDS)
  create(@CurrentUser() caller: AuthenticatedUser, @Body() body: CreateMarketDto): Promise<MarketDto> {
    return this.markets.create({ creatorId: caller.id }, body);
  }

  @Get('me/positions')
  @ApiOperation({ summary: 'Your positions across markets, valued at current prices' })
  @ApiOkResponse({ type: MarketPositionPageDto, description: 'The caller’s positions: shares, cost basis, current value, unrealized P&L' })
  positions(@CurrentUser() caller: AuthenticatedUser, @Query() query: PageQueryDto): Promise<MarketPositionPageDto> {
    return this.queries.positionsOf(caller.id, query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One market with its outcomes and current prices' })
  @Public()
  @ApiOkResponse({ type: MarketDto })
  @ApiErrors(MARKET_NOT_FOUND)
  detail(@UuidParam('id', 'Market') id: string): Promise<MarketDto> {
    return this.queries.detail(id);
  }

  @Get(':id/history')
  @ApiOperation({ summary: 'A market’s price history by minute, hour or day' })
  @Public()
  @ApiOkResponse({ type: PriceHistoryDto, description: 'Last prices of each minute, hour or day (up to 500 intervals)' })
  @ApiErrors(MARKET_NOT_FOUND)
  history(@UuidParam('id', 'Market') id: string, @Query() query: HistoryQueryDto): Promise<PriceHistoryDto> {
    return this.queries.history(id, query.interval);
  }

  @Get(':id/trades')
  @ApiOperation({ summary: 'A market’s fills, newest first' })
  @Public()
  @ApiOkResponse({ type: MarketTradePageDto, description: 'Fills on this market, newest first' })
  @ApiErrors(MARKET_NOT_FOUND)
  trades(@UuidParam('id', 'Market') id: string, @Query() query: PageQueryDto): Promise<MarketTradePageDto> {
    return this.queries.trades(id, query);
  }

  @Get(':id/candles')
  @ApiOperation({ summary: 'OHLCV candles of one outcome from all fills (pool and book)' })
  @Public()
  @ApiOkResponse({ type: CandlesDto, description: 'Intervals with fills in [from, to), oldest first; prices per share before fee' })
  @ApiErrors(BAD_CANDLE_QUERY, { ...validationFailed('from', 'must be before to'), example: 'fromNotBeforeTo' }, UNKNOWN_OUTCOME, MARKET_NOT_FOUND)
  candles(@UuidParam('id', 'Market') id: string, @Query() query: MarketCandlesQueryDto): Promise<CandlesDto> {
    return this.marketData.candles(id, query);
  }

  @Get(':id/ticker')
  @ApiOperation({ summary: 'A market’s 24 h rolling ticker per outcome: last, change, high, low, volume' })
  @Public()
  @ApiOkResponse({ type: TickerDto, description: 'One entry per outcome over the last 24 h of fills (pool and book)' })
  @ApiErrors(MARKET_NOT_FOUND)
  ticker(@UuidParam('id', 'Market') id: string): Promise<TickerDto> {
    return this.marketData.ticker(id);
  }

  @Get(':id/quote')
  @ApiOperation({ summary: 'Price a buy or sell without trading (signed in, a sell quote also checks your holdings)' })
  @Public()
  @ApiOkResponse({ type: QuoteDto, description: 'What buy (amount) or sell (shares) would fill now, without trading; signed in, a sell quote also checks your holdings' })
  @ApiErrors(UNKNOWN_OUTCOME, MARKET_NOT_FOUND, MARKET_CLOSED, { ...INSUFFICIENT_SHARES, description: 'signed in, a sell of more than held' }, TRADE_TOO_SMALL, TRADE_TOO_LARGE)
  quote(@UuidParam('id', 'Market') id: string, @Query() query: QuoteQueryDto, @CurrentUser() user?: AuthenticatedUser): Promise<QuoteDto> {
    return this.trading.quote(id, query, user?.id);
  }

  @Post(':id/buy')
  @ApiOperation({ summary: 'Buy outcome shares for an amount of USDC (fee included) from resting sells and the pool (cheapest first), optionally no fewer than minShares' })
  @Idempotent()
  @ApiCreatedResponse({ type: MarketFillDto, description: 'The fill; amount is what was paid, fee included' })
  @ApiErrors(
    UNKNOWN_OUTCOME,
    MARKET_NOT_FOUND,
    slippage('10.000000 would buy 18.218157 shares, fewer than minShares 20.000000'),
    MARKET_CLOSED,
    INSUFFICIENT_FUNDS,
    TRADE_TOO_SMALL,
    TRADE_TOO_LARGE,
  )
  buy(@CurrentUser() caller: AuthenticatedUser, @UuidParam('id', 'Market') id: string, @Body() body: BuyDto, @Headers(IDEMPOTENCY_KEY_HEADER) key?: string): Promise<MarketFillDto> {
    return this.trading.buy(caller.id, id, body, key);
  }

  @Post(':id/sell')
  @ApiOperation({ summary: 'Sell outcome shares into resting buys and the pool (best first), optionally for no less than minProceeds' })
  @Idempotent()
  @ApiCreatedResponse({ type: MarketFillDto, description: 'The fill; proceeds (and amount) is what was received, net of fee' })
  @ApiErrors(
    UNKNOWN_OUTCOME,
    MARKET_NOT_FOUND,
    slippage('selling 5.000000 shares would pay 2.850000, less than minProceeds 2.900000'),
    MARKET_CLOSED,
    INSUFFICIENT_SHARES,
    TRADE_TOO_SMALL,
  )
  sell(@CurrentUser() caller: AuthenticatedUser, @UuidParam('id', 'Market') id: string, @Body() body: SellDto, @Headers(IDEMPOTENCY_KEY_HEADER) key?: string): Promise<MarketFillDto> {
    return this.trading.sell(caller.id, id, body, key);
  }
}
