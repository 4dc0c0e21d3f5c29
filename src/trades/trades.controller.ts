import { Body, Controller, Delete, Get, Headers, HttpCode, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AuthenticatedUser } from '../auth/authenticated-user';
import { CurrentUser, Roles } from '../auth/auth.decorators';
import { ApiErrors } from '../common/http/api-errors.decorator';
import { UuidParam } from '../common/http/uuid-param';
import { IDEMPOTENCY_KEY_HEADER } from '../common/idempotency/idempotency.interceptor';
import { Idempotent } from '../common/idempotency/idempotent.decorator';
import {
  EXPIRY_IN_PAST,
  INSUFFICIENT_FUNDS,
  INVALID_TRIGGER,
  LEVERAGE_OUT_OF_RANGE,
  MARGIN_BELOW_MINIMUM,
  ORDER_NOT_FOUND,
  ORDER_NOT_OPEN,
  POSITION_CLOSED,
  POSITION_NOT_FOUND,
  PRICE_MOVED,
  SYMBOL_HALTED,
  SYMBOL_NOT_TRADED,
} from './trades.api-errors';
import { PRICE_FEED_STALE, UNKNOWN_SYMBOL } from './perps.api-errors';
import {
  ExposureDto,
  OpenTradeDto,
  OrderDto,
  OrderPageDto,
  OrdersQueryDto,
  PlaceOrderDto,
  PositionDetailDto,
  PositionDto,
  PositionPageDto,
  TradesQueryDto,
  UpdateTriggersDto,
} from './trades.dto';
import { OrderNotFound, PositionNotFound } from './trades.errors';
import { TradingService } from './trading.service';

@ApiTags('perps')
@Controller('trades')
export class TradesController {
  constructor(private readonly trading: TradingService) {}

  @Post()
  @ApiOperation({ summary: 'Open a leveraged long or short against the house at the current top of book' })
  @Idempotent()
  @ApiCreatedResponse({ type: PositionDto, description: 'Filled at the ask (long) or the bid (short); margin locked, open fee to fees' })
  @ApiErrors(UNKNOWN_SYMBOL, SYMBOL_HALTED, LEVERAGE_OUT_OF_RANGE, MARGIN_BELOW_MINIMUM, INVALID_TRIGGER, PRICE_MOVED, INSUFFICIENT_FUNDS, PRICE_FEED_STALE)
  open(@CurrentUser() caller: AuthenticatedUser, @Body() body: OpenTradeDto, @Headers(IDEMPOTENCY_KEY_HEADER) key?: string): Promise<PositionDto> {
    return this.trading.open(caller.id, body, key);
  }

  @Get()
  @ApiOperation({ summary: 'Your positions, newest first' })
  @ApiOkResponse({ type: PositionPageDto })
  list(@CurrentUser() caller: AuthenticatedUser, @Query() query: TradesQueryDto): Promise<PositionPageDto> {
    return this.trading.positions(caller.id, query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One of your positions with its fills' })
  @ApiOkResponse({ type: PositionDetailDto })
  @ApiErrors(POSITION_NOT_FOUND)
  byId(@CurrentUser() caller: AuthenticatedUser, @UuidParam('id', PositionNotFound) id: string): Promise<PositionDetailDto> {
    return this.trading.position(caller.id, id);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Set, move or remove (null) the stop-loss and take-profit of an open position' })
  @ApiOkResponse({ type: PositionDto })
  @ApiErrors(POSITION_NOT_FOUND, POSITION_CLOSED, INVALID_TRIGGER, PRICE_FEED_STALE, SYMBOL_NOT_TRADED)
  update(@CurrentUser() caller: AuthenticatedUser, @UuidParam('id', PositionNotFound) id: string, @Body() body: UpdateTriggersDto): Promise<PositionDto> {
    return this.trading.updateTriggers(caller.id, id, body);
  }

  @Post(':id/close')
  @ApiOperation({ summary: 'Close an open position at the current top of book' })
  @HttpCode(200)
  @Idempotent()
  @ApiOkResponse({
    type: PositionDto,
    description: 'The closed position: max(0, margin + pnl − closeFee) back to available; at a price past its liquidation price it is liquidated instead (closeReason liquidation, nothing back)',
  })
  @ApiErrors(POSITION_NOT_FOUND, POSITION_CLOSED, PRICE_FEED_STALE, SYMBOL_NOT_TRADED)
  close(@CurrentUser() caller: AuthenticatedUser, @UuidParam('id', PositionNotFound) id: string, @Headers(IDEMPOTENCY_KEY_HEADER) key?: string): Promise<PositionDto> {
    return this.trading.close(caller.id, id, key);
  }
}

@ApiTags('perps')
@Controller('orders')
export class OrdersController {
  constructor(private readonly trading: TradingService) {}

  @Post()
  @ApiOperation({ summary: 'Place a pending limit or stop order: it opens a position on the tick that crosses its price' })
  @Idempotent()
  @ApiCreatedResponse({ type: OrderDto, description: 'Margin and open fee held until it fills, is cancelled or expires' })
  @ApiErrors(UNKNOWN_SYMBOL, SYMBOL_HALTED, LEVERAGE_OUT_OF_RANGE, MARGIN_BELOW_MINIMUM, INVALID_TRIGGER, EXPIRY_IN_PAST, INSUFFICIENT_FUNDS, PRICE_FEED_STALE)
  place(@CurrentUser() caller: AuthenticatedUser, @Body() body: PlaceOrderDto, @Headers(IDEMPOTENCY_KEY_HEADER) key?: string): Promise<OrderDto> {
    return this.trading.placeOrder(caller.id, body, key);
  }

  @Get()
  @ApiOperation({ summary: 'Your pending orders, newest first' })
  @ApiOkResponse({ type: OrderPageDto })
  list(@CurrentUser() caller: AuthenticatedUser, @Query() query: OrdersQueryDto): Promise<OrderPageDto> {
    return this.trading.orders(caller.id, query);
  }

  @Delete(':id')
  @ApiOperation({ summary: 'Cancel an open order; its hold goes back to available' })
  @Idempotent()
  @ApiOkResponse({ type: OrderDto, description: 'The cancelled order' })
  @ApiErrors(ORDER_NOT_FOUND, ORDER_NOT_OPEN, SYMBOL_NOT_TRADED)
  cancel(@CurrentUser() caller: AuthenticatedUser, @UuidParam('id', OrderNotFound) id: string, @Headers(IDEMPOTENCY_KEY_HEADER) key?: string): Promise<OrderDto> {
    return this.trading.cancelOrder(caller.id, id, key);
  }
}

@ApiTags('admin')
@Roles('admin')
@Controller('admin/perps')
export class PerpsExposureController {
  constructor(private readonly trading: TradingService) {}

  @Get('exposure')
  @ApiOperation({ summary: 'Per symbol: open interest long and short, and the house’s net exposure at the mark' })
  @ApiOkResponse({ type: ExposureDto })
  exposure(): Promise<ExposureDto> {
    return this.trading.exposure();
  }
}
