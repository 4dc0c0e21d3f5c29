import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsBoolean, IsIn, IsISO8601, IsOptional, IsUUID } from 'class-validator';
import { IsIntBetween } from '../common/http/is-int-between.decorator';
import { IsOmittable } from '../common/http/is-omittable.decorator';
import { PageDtoOf, PageQueryDto } from '../common/http/pagination';
import { IsAmount } from '../common/money/is-amount.decorator';
import type { OrderStatus, SelfTradePrevention, TimeInForce } from './book';
import { IsOutcomeRef, OrderFillDto, OUTCOME_DESCRIPTION, OutcomeRef } from './market.dto';

export const ORDER_SIDES = ['buy', 'sell'] as const;
export const TIMES_IN_FORCE = ['GTC', 'GTD', 'IOC', 'FOK'] as const;
export const ORDER_STATUSES = ['open', 'filled', 'cancelled', 'expired'] as const;
export const SELF_TRADE_PREVENTIONS = ['cancel_resting', 'cancel_taker'] as const;

export class PlaceMarketOrderDto {
  @ApiProperty({ example: 'Yes', oneOf: [{ type: 'string' }, { type: 'integer' }], description: OUTCOME_DESCRIPTION })
  @IsOutcomeRef()
  outcome!: OutcomeRef;

  @ApiProperty({ enum: ORDER_SIDES, example: 'buy' })
  @IsIn(ORDER_SIDES)
  side!: 'buy' | 'sell';

  @ApiProperty({ example: '0.42', description: 'Limit price (probability) on the market’s `tickSize` (0.01 unless the market was created with another), from one tick to 1 − one tick' })
  @IsAmount()
  price!: string;

  @ApiProperty({ example: '25', description: 'Outcome shares, whole lots of 0.000001 / tickSize (0.0001 on a 0.01 market, 0.001 on a 0.001 market)' })
  @IsAmount()
  shares!: string;

  @ApiProperty({ enum: TIMES_IN_FORCE, example: 'GTC', description: 'GTC rests; GTD rests until expiresAt; IOC fills what it can now; FOK fills entirely now or not at all' })
  @IsIn(TIMES_IN_FORCE)
  timeInForce!: TimeInForce;

  @ApiPropertyOptional({ example: '2026-12-31T12:00:00.000Z', description: 'GTD only (required there), in the future' })
  @IsOmittable()
  @IsISO8601({ strict: true })
  expiresAt?: string;

  @ApiPropertyOptional({ example: false, default: false, description: 'Refuse (422 WouldCrossBook) rather than take liquidity; GTC and GTD only' })
  @IsOmittable()
  @IsBoolean()
  postOnly?: boolean;

  @ApiPropertyOptional({ enum: SELF_TRADE_PREVENTIONS, example: 'cancel_resting', default: 'cancel_resting', description: 'Which side of a would-be self-trade is cancelled' })
  @IsOmittable()
  @IsIn(SELF_TRADE_PREVENTIONS)
  stp?: SelfTradePrevention;
}

export class MarketOrderDto {
  @ApiProperty({ example: '5c3e1d2a-7b4f-4e8a-9c1d-2e3f4a5b6c7d' })
  id!: string;

  @ApiProperty({ example: '3f0c9a52-0d7e-4a57-b0a3-2a8f6e1c9d40' })
  marketId!: string;

  @ApiProperty({ example: 0, description: 'Outcome index' })
  outcome!: number;

  @ApiProperty({ enum: ORDER_SIDES, example: 'buy' })
  side!: 'buy' | 'sell';

  @ApiProperty({ example: '0.420000', description: 'Limit price, 6 decimals' })
  price!: string;

  @ApiProperty({ example: '25.000000' })
  shares!: string;

  @ApiProperty({ example: '10.000000' })
  filledShares!: string;

  @ApiProperty({ example: '15.000000', description: 'Still resting (0 once filled, cancelled or expired)' })
  remainingShares!: string;

  @ApiProperty({ enum: ORDER_STATUSES, example: 'open' })
  status!: OrderStatus;

  @ApiProperty({ enum: TIMES_IN_FORCE, example: 'GTC' })
  timeInForce!: TimeInForce;

  @ApiProperty({ example: false })
  postOnly!: boolean;

  @ApiProperty({ example: null, nullable: true, type: String, description: 'GTD: when it expires' })
  expiresAt!: string | null;

  @ApiProperty({ example: '2026-11-25T12:00:00.000Z' })
  createdAt!: string;
}

/** Moved to market.dto (the AMM's buy and sell answer fills too); kept here under the same name. */
export { OrderFillDto } from './market.dto';

export class PlacedOrderDto {
  @ApiProperty({ type: MarketOrderDto })
  order!: MarketOrderDto;

  @ApiProperty({ type: [OrderFillDto], description: 'What the order filled as it arrived, in matching order' })
  fills!: OrderFillDto[];
}

export class CancelledOrdersDto {
  @ApiProperty({ type: [MarketOrderDto], description: 'The orders that were resting and are now cancelled, their holds released' })
  cancelled!: MarketOrderDto[];
}

export class MyOrdersQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: ORDER_STATUSES, example: 'open' })
  @IsOptional()
  @IsIn(ORDER_STATUSES)
  status?: OrderStatus;

  @ApiPropertyOptional({ example: '3f0c9a52-0d7e-4a57-b0a3-2a8f6e1c9d40' })
  @IsOptional()
  @IsUUID()
  marketId?: string;
}

export class MarketOrderPageDto extends PageDtoOf(MarketOrderDto) {}

export class BookQueryDto {
  @ApiProperty({ example: 'Yes', description: OUTCOME_DESCRIPTION })
  @IsOutcomeRef()
  outcome!: string;

  @ApiPropertyOptional({ example: 20, default: 20, minimum: 1, maximum: 100, description: 'Levels per side' })
  @IsOptional()
  @Type(() => Number)
  @IsIntBetween(1, 100)
  depth: number = 20;
}

export class BookLevelDto {
  @ApiProperty({ example: '0.420000' })
  price!: string;

  @ApiProperty({ example: '125.000000', description: 'Shares resting at this price' })
  shares!: string;

  @ApiProperty({ example: 3, description: 'Orders resting at this price' })
  orders!: number;
}

export class BookDto {
  @ApiProperty({ example: '3f0c9a52-0d7e-4a57-b0a3-2a8f6e1c9d40' })
  marketId!: string;

  @ApiProperty({ example: 0, description: 'Outcome index' })
  outcome!: number;

  @ApiProperty({ type: [BookLevelDto], description: 'Best (highest) first' })
  bids!: BookLevelDto[];

  @ApiProperty({ type: [BookLevelDto], description: 'Best (lowest) first' })
  asks!: BookLevelDto[];

  @ApiProperty({ example: 118, description: 'Sequence of the last level delta (`book:update`) reflected here' })
  sequence!: number;
}

/** One level of one outcome's book after a command changed it (`book:update`); shares and orders 0: the level is gone. */
export class BookDeltaDto {
  @ApiProperty({ example: '3f0c9a52-0d7e-4a57-b0a3-2a8f6e1c9d40' })
  marketId!: string;

  @ApiProperty({ example: 0 })
  outcome!: number;

  @ApiProperty({ example: 119, description: 'The next after the previous delta of this book: a gap means one was missed (subscribe again)' })
  sequence!: number;

  @ApiProperty({ enum: ORDER_SIDES, example: 'buy' })
  side!: 'buy' | 'sell';

  @ApiProperty({ example: '0.420000' })
  price!: string;

  @ApiProperty({ example: '100.000000' })
  shares!: string;

  @ApiProperty({ example: 2 })
  orders!: number;
}
