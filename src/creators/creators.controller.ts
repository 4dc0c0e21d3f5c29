import { Body, Controller, Get, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AuthenticatedUser } from '../auth/authenticated-user';
import { CurrentUser, Public } from '../auth/auth.decorators';
import { ApiErrors } from '../common/http/api-errors.decorator';
import { PageQueryDto } from '../common/http/pagination';
import { UuidParam } from '../common/http/uuid-param';
import { Idempotent } from '../common/idempotency/idempotent.decorator';
import { CreatorNotFound } from './creator-errors';
import { CreatorQueriesService } from './creator-queries.service';
import { CreatorSharesService } from './creator-shares.service';
import {
  BuySharesDto,
  CreatorDetailDto,
  CreatorHolderPageDto,
  CreatorPageDto,
  ListCreatorsQueryDto,
  MyCreatorSharesPageDto,
  SellSharesDto,
  ShareFillDto,
  ShareQuoteDto,
  ShareQuoteQueryDto,
} from './creator.dto';
import { CreatorDividendPageDto, MyDividendPageDto } from './dividend.dto';
import {
  CREATOR_NOT_FOUND,
  CREATOR_NOT_TRADING,
  INSUFFICIENT_FUNDS,
  INSUFFICIENT_SHARES,
  SHARES_LOCKED,
  slippage,
  TRADE_TOO_SMALL,
} from './creators.api-errors';

@ApiTags('creators')
@Controller('creators')
export class CreatorsController {
  constructor(
    private readonly shares: CreatorSharesService,
    private readonly queries: CreatorQueriesService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Browse creators with their share price, holders, volume and dividends paid' })
  @Public()
  @ApiOkResponse({ type: CreatorPageDto })
  list(@Query() query: ListCreatorsQueryDto): Promise<CreatorPageDto> {
    return this.queries.list(query);
  }

  @Get(':creatorId')
  @ApiOperation({ summary: 'One creator: supply, price, holders, 24 h volume, dividends paid and pending, their markets' })
  @Public()
  @ApiOkResponse({ type: CreatorDetailDto })
  @ApiErrors(CREATOR_NOT_FOUND)
  detail(@UuidParam('creatorId', CreatorNotFound) creatorId: string): Promise<CreatorDetailDto> {
    return this.queries.detail(creatorId);
  }

  @Get(':creatorId/quote')
  @ApiOperation({ summary: 'Price a buy or sell of whole shares without trading (signed in, a sell quote also checks your lots)' })
  @Public()
  @ApiOkResponse({ type: ShareQuoteDto, description: 'Exactly what the trade would fill now' })
  @ApiErrors(CREATOR_NOT_FOUND, CREATOR_NOT_TRADING, { ...INSUFFICIENT_SHARES, description: 'a sell of more than the supply above 1, or (signed in) than held' }, SHARES_LOCKED, TRADE_TOO_SMALL)
  quote(@UuidParam('creatorId', CreatorNotFound) creatorId: string, @Query() query: ShareQuoteQueryDto, @CurrentUser() user?: AuthenticatedUser): Promise<ShareQuoteDto> {
    return this.shares.quote(creatorId, query, user?.id);
  }

  @Get(':creatorId/holders')
  @ApiOperation({ summary: 'A creator’s holders, the largest first' })
  @Public()
  @ApiOkResponse({ type: CreatorHolderPageDto })
  @ApiErrors(CREATOR_NOT_FOUND)
  holders(@UuidParam('creatorId', CreatorNotFound) creatorId: string, @Query() query: PageQueryDto): Promise<CreatorHolderPageDto> {
    return this.queries.holders(creatorId, query);
  }

  @Get(':creatorId/dividends')
  @ApiOperation({ summary: 'A creator’s dividends per period, newest first' })
  @Public()
  @ApiOkResponse({ type: CreatorDividendPageDto })
  @ApiErrors(CREATOR_NOT_FOUND)
  dividends(@UuidParam('creatorId', CreatorNotFound) creatorId: string, @Query() query: PageQueryDto): Promise<CreatorDividendPageDto> {
    return this.queries.dividendsOfCreator(creatorId, query);
  }

  @Post(':creatorId/shares/buy')
  @ApiOperation({ summary: 'Buy whole shares of a creator on their curve, fees on top, optionally for no more than maxCost' })
  @Idempotent()
  @ApiCreatedResponse({ type: ShareFillDto, description: 'The fill; total is what was paid, fees included; the lot unlocks at lockedUntil' })
  @ApiErrors(CREATOR_NOT_FOUND, CREATOR_NOT_TRADING, slippage('Buying 3 shares would cost 0.033689, more than maxCost 0.030000'), INSUFFICIENT_FUNDS)
  buy(@CurrentUser() caller: AuthenticatedUser, @UuidParam('creatorId', CreatorNotFound) creatorId: string, @Body() body: BuySharesDto): Promise<ShareFillDto> {
    return this.shares.buy(caller.id, creatorId, body);
  }

  @Post(':creatorId/shares/sell')
  @ApiOperation({ summary: 'Sell whole shares back to the curve (oldest unlocked lots first), optionally for no less than minProceeds' })
  @Idempotent()
  @ApiCreatedResponse({ type: ShareFillDto, description: 'The fill; total is what was received, net of fees' })
  @ApiErrors(CREATOR_NOT_FOUND, slippage('Selling 2 shares would pay 0.018000, less than minProceeds 0.020000'), INSUFFICIENT_SHARES, SHARES_LOCKED, TRADE_TOO_SMALL)
  sell(@CurrentUser() caller: AuthenticatedUser, @UuidParam('creatorId', CreatorNotFound) creatorId: string, @Body() body: SellSharesDto): Promise<ShareFillDto> {
    return this.shares.sell(caller.id, creatorId, body);
  }
}

@ApiTags('creators')
@Controller('me/creator-shares')
export class MyCreatorSharesController {
  constructor(private readonly queries: CreatorQueriesService) {}

  @Get()
  @ApiOperation({ summary: 'Your creator shares: lots, when each unlocks, and what selling them would return now' })
  @ApiOkResponse({ type: MyCreatorSharesPageDto })
  list(@CurrentUser() caller: AuthenticatedUser, @Query() query: PageQueryDto): Promise<MyCreatorSharesPageDto> {
    return this.queries.sharesOf(caller.id, query);
  }
}

@ApiTags('creators')
@Controller('dividends')
export class DividendsController {
  constructor(private readonly queries: CreatorQueriesService) {}

  @Get('me')
  @ApiOperation({ summary: 'Your dividends per period and creator, newest first' })
  @ApiOkResponse({ type: MyDividendPageDto })
  mine(@CurrentUser() caller: AuthenticatedUser, @Query() query: PageQueryDto): Promise<MyDividendPageDto> {
    return this.queries.dividendsOf(caller.id, query);
  }
}
