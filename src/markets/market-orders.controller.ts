import { Body, Controller, Delete, Get, Headers, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AuthenticatedUser } from '../auth/authenticated-user';
import { CurrentUser, Public } from '../auth/auth.decorators';
import { ApiErrors } from '../common/http/api-errors.decorator';
import { Idempotent } from '../common/idempotency/idempotent.decorator';
import { IDEMPOTENCY_KEY_HEADER } from '../common/idempotency/idempotency.interceptor';
import { UuidParam } from '../common/http/uuid-param';
import { BookDto, BookQueryDto, CancelledOrdersDto, MyOrdersQueryDto, MarketOrderDto, MarketOrderPageDto, PlacedOrderDto, PlaceMarketOrderDto } from './market-order.dto';
import { MarketOrdersService } from './market-orders.service';
import {
  FILL_OR_KILL_UNFILLED,
  INSUFFICIENT_FUNDS,
  INVALID_ORDER,
  MARKET_CLOSED,
  MARKET_NOT_FOUND,
  ORDER_NOT_FOUND,
  SHARES_NOT_HELD,
  UNKNOWN_OUTCOME,
  WOULD_CROSS_BOOK,
} from './markets.api-errors';

@ApiTags('markets')
@Controller('markets')
export class MarketOrdersController {
  constructor(private readonly orders: MarketOrdersService) {}

  @Get('orders/me')
  @ApiOperation({ summary: 'Your limit orders across markets, newest first' })
  @ApiOkResponse({ type: MarketOrderPageDto })
  mine(@CurrentUser() caller: AuthenticatedUser, @Query() query: MyOrdersQueryDto): Promise<MarketOrderPageDto> {
    return this.orders.listMine(caller.id, query);
  }

  @Get(':id/book')
  @ApiOperation({ summary: 'One outcome’s order book: resting orders aggregated by price, best first, with the sequence of its last delta' })
  @Public()
  @ApiOkResponse({ type: BookDto, description: 'Realtime: subscribe to book:<marketId>:<outcome> for this snapshot, then book:update deltas in sequence' })
  @ApiErrors(UNKNOWN_OUTCOME, MARKET_NOT_FOUND)
  book(@UuidParam('id', 'Market') id: string, @Query() query: BookQueryDto): Promise<BookDto> {
    return this.orders.book(id, query.outcome, query.depth);
  }

  @Post(':id/orders')
  @ApiOperation({ summary: 'Place a limit order on an outcome: it fills against resting orders and the market maker, best price first, then rests (GTC, GTD)' })
  @Idempotent()
  @ApiCreatedResponse({ type: PlacedOrderDto, description: 'The order after matching and what it filled; a buy holds price × shares plus the most fee it could pay' })
  @ApiErrors(INVALID_ORDER, UNKNOWN_OUTCOME, MARKET_NOT_FOUND, MARKET_CLOSED, INSUFFICIENT_FUNDS, SHARES_NOT_HELD, WOULD_CROSS_BOOK, FILL_OR_KILL_UNFILLED)
  place(
    @CurrentUser() caller: AuthenticatedUser,
    @UuidParam('id', 'Market') id: string,
    @Body() body: PlaceMarketOrderDto,
    @Headers(IDEMPOTENCY_KEY_HEADER) key?: string,
  ): Promise<PlacedOrderDto> {
    return this.orders.place(caller.id, id, body, key);
  }

  @Delete(':id/orders/:orderId')
  @ApiOperation({ summary: 'Cancel one of your orders (its hold released); one no longer open is returned as it is' })
  @ApiOkResponse({ type: MarketOrderDto })
  @ApiErrors(MARKET_NOT_FOUND, ORDER_NOT_FOUND)
  cancel(@CurrentUser() caller: AuthenticatedUser, @UuidParam('id', 'Market') id: string, @UuidParam('orderId', 'Order') orderId: string): Promise<MarketOrderDto> {
    return this.orders.cancel(caller.id, id, orderId);
  }

  @Delete(':id/orders')
  @ApiOperation({ summary: 'Cancel all your open orders on this market' })
  @ApiOkResponse({ type: CancelledOrdersDto })
  @ApiErrors(MARKET_NOT_FOUND)
  cancelAll(@CurrentUser() caller: AuthenticatedUser, @UuidParam('id', 'Market') id: string): Promise<CancelledOrdersDto> {
    return this.orders.cancelAll(caller.id, id);
  }
}
