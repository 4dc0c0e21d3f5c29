import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsOptional, IsString, MaxLength, ValidateIf } from 'class-validator';
import { IsIntBetween } from '../common/http/is-int-between.decorator';
import { IsOmittable } from '../common/http/is-omittable.decorator';
import { PageDtoOf, PageQueryDto } from '../common/http/pagination';
import { IsAmount } from '../common/money/is-amount.decorator';
import { PERP_FILL_KINDS } from './perp-fill.entity';
import { PERP_ORDER_STATUSES } from './perp-order.entity';
import { PERP_POSITION_STATUSES } from './perp-position.entity';

const POSITION_ID = '8d4b2f61-3c7a-4e0b-9a15-6f2d8c1e4b73';
const ORDER_ID = '2b7e4c19-8f3d-4a62-b5e0-1d9c7a3f6e28';
const CLOSE_REASONS = ['user', 'stop_loss', 'take_profit', 'liquidation'];

const SYMBOL = { example: 'BTC_USDC_PERP', description: 'A perp symbol this venue trades' };

// ---- requests ---------------------------------------------------------------------------------

export class OpenTradeDto {
  @ApiProperty(SYMBOL)
  @IsString()
  @MaxLength(32)
  symbol!: string;

  @ApiProperty({ enum: ['long', 'short'], example: 'long', description: 'A long fills at the ask, a short at the bid' })
  @IsIn(['long', 'short'])
  side!: 'long' | 'short';

  @ApiProperty({ example: '100', description: 'USDC locked as collateral (at least MIN_MARGIN); margin + open fee must be available' })
  @IsAmount()
  margin!: string;

  @ApiProperty({ example: 10, minimum: 1, description: 'Integer 1..MAX_LEVERAGE; notional = margin × leverage' })
  @IsIntBetween(1, 1_000_000)
  leverage!: number;

  @ApiPropertyOptional({ example: '65000.5', description: 'The price the client saw; a fill worse by more than slippageBps is refused (422 PriceMovedBeyondSlippage)' })
  @IsOmittable()
  @IsAmount()
  quotedPrice?: string;

  @ApiPropertyOptional({ example: 50, default: 50, minimum: 0, maximum: 10000, description: 'Tolerance against quotedPrice in basis points' })
  @IsOmittable()
  @IsIntBetween(0, 10_000)
  slippageBps?: number;

  @ApiPropertyOptional({ example: '62000', description: 'Long: between the liquidation price and the bid; short: between the ask and the liquidation price' })
  @IsOmittable()
  @IsAmount()
  stopLoss?: string;

  @ApiPropertyOptional({ example: '70000', description: 'Long: above the bid; short: below the ask' })
  @IsOmittable()
  @IsAmount()
  takeProfit?: string;
}

/** A field left out stays as it is; `null` removes the trigger. */
export class UpdateTriggersDto {
  @ApiPropertyOptional({ example: '62000', nullable: true, type: String, description: 'New stop-loss price; null removes it' })
  @ValidateIf((_dto: unknown, value: unknown) => value !== null && value !== undefined)
  @IsAmount()
  stopLoss?: string | null;

  @ApiPropertyOptional({ example: null, nullable: true, type: String, description: 'New take-profit price; null removes it' })
  @ValidateIf((_dto: unknown, value: unknown) => value !== null && value !== undefined)
  @IsAmount()
  takeProfit?: string | null;
}

export class PlaceOrderDto {
  @ApiProperty(SYMBOL)
  @IsString()
  @MaxLength(32)
  symbol!: string;

  @ApiProperty({ enum: ['long', 'short'], example: 'long' })
  @IsIn(['long', 'short'])
  side!: 'long' | 'short';

  @ApiProperty({
    enum: ['limit', 'stop'],
    example: 'limit',
    description: 'limit: a long opens once ask ≤ price, a short once bid ≥ price; stop: a long once ask ≥ price, a short once bid ≤ price',
  })
  @IsIn(['limit', 'stop'])
  type!: 'limit' | 'stop';

  @ApiProperty({ example: '64000' })
  @IsAmount()
  price!: string;

  @ApiProperty({ example: '100', description: 'Held with the open fee until the order fills, is cancelled or expires' })
  @IsAmount()
  margin!: string;

  @ApiProperty({ example: 10, minimum: 1 })
  @IsIntBetween(1, 1_000_000)
  leverage!: number;

  @ApiPropertyOptional({ example: '61000', description: 'Checked against the order price as the entry' })
  @IsOmittable()
  @IsAmount()
  stopLoss?: string;

  @ApiPropertyOptional({ example: '70000' })
  @IsOmittable()
  @IsAmount()
  takeProfit?: string;

  @ApiPropertyOptional({ example: '2026-12-31T23:59:59.000Z', description: 'ISO 8601; an unfilled order expires then and its hold is released' })
  @IsOmittable()
  @IsISO8601({ strict: true })
  expiresAt?: string;
}

export class TradesQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: PERP_POSITION_STATUSES })
  @IsOptional()
  @IsIn(PERP_POSITION_STATUSES)
  status?: 'open' | 'closed';

  @ApiPropertyOptional(SYMBOL)
  @IsOptional()
  @IsString()
  @MaxLength(32)
  symbol?: string;
}

export class OrdersQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: PERP_ORDER_STATUSES })
  @IsOptional()
  @IsIn(PERP_ORDER_STATUSES)
  status?: 'open' | 'filled' | 'cancelled' | 'expired';
}

// ---- responses --------------------------------------------------------------------------------

export class PositionDto {
  @ApiProperty({ example: POSITION_ID })
  id!: string;

  @ApiProperty({ example: 'BTC_USDC_PERP' })
  symbol!: string;

  @ApiProperty({ enum: ['long', 'short'], example: 'long' })
  side!: string;

  @ApiProperty({ enum: PERP_POSITION_STATUSES, example: 'open' })
  status!: string;

  @ApiProperty({ example: '100.000000' })
  margin!: string;

  @ApiProperty({ example: 10 })
  leverage!: number;

  @ApiProperty({ example: '1000.000000', description: 'margin × leverage' })
  notional!: string;

  @ApiProperty({ example: '65000.50000000' })
  entryPrice!: string;

  @ApiProperty({
    example: '58825.45248869',
    description: 'Long: liquidated once the bid is at or below it; short: once the ask is at or above it (0 for a long no price can liquidate)',
  })
  liquidationPrice!: string;

  @ApiProperty({ example: '62000.00000000', nullable: true, type: String })
  stopLoss!: string | null;

  @ApiProperty({ example: null, nullable: true, type: String })
  takeProfit!: string | null;

  @ApiProperty({ example: '0.500000' })
  openFee!: string;

  @ApiProperty({ example: null, nullable: true, type: String, description: 'Set on a close by the user, a stop-loss or a take-profit; 0 on liquidation' })
  closeFee!: string | null;

  @ApiProperty({
    example: '65005.00000000',
    nullable: true,
    type: String,
    description: 'Open positions: the symbol’s mark price, the mid of the latest quote (rounded down to 8 decimals), as GET /perps shows it; null without a quote or once closed',
  })
  markPrice!: string | null;

  @ApiProperty({
    example: '-0.153823',
    nullable: true,
    type: String,
    description: 'Open positions: the P&L a close now would realise, at the latest bid for a long or ask for a short (not at markPrice), before the close fee',
  })
  unrealizedPnl!: string | null;

  @ApiProperty({ example: null, nullable: true, type: String, description: 'The fill price of the close (a liquidation: the tick’s price)' })
  exitPrice!: string | null;

  @ApiProperty({ example: null, nullable: true, type: String, description: 'P&L at exitPrice (floored), signed' })
  realizedPnl!: string | null;

  @ApiProperty({ example: null, nullable: true, type: String, description: 'What went back to available: max(0, margin + pnl − closeFee); 0 on liquidation' })
  payout!: string | null;

  @ApiProperty({ enum: CLOSE_REASONS, example: null, nullable: true, type: String })
  closeReason!: string | null;

  @ApiProperty({ example: null, nullable: true, type: String, description: 'Liquidations: how far the tick’s price was past the liquidation price' })
  liquidationGap!: string | null;

  @ApiProperty({ example: '2026-11-25T12:00:00.000Z' })
  openedAt!: string;

  @ApiProperty({ example: null, nullable: true, type: String })
  closedAt!: string | null;
}

export class FillDto {
  @ApiProperty({ example: '0f3e6a21-5b8c-4d7e-a9f0-2c1b4e7d3a65' })
  id!: string;

  @ApiProperty({ enum: PERP_FILL_KINDS, example: 'open', description: 'open, a close by the user, or a trigger (stop-loss, take-profit, liquidation)' })
  kind!: string;

  @ApiProperty({ enum: CLOSE_REASONS, example: null, nullable: true, type: String })
  reason!: string | null;

  @ApiProperty({ example: '65000.50000000' })
  price!: string;

  @ApiProperty({ example: '65000.00000000', nullable: true, type: String, description: 'What the fill is measured against: the quoted price, the order price, or the trigger price' })
  referencePrice!: string | null;

  @ApiProperty({ example: '0.50000000', description: '|price − referencePrice|' })
  slippage!: string;

  @ApiProperty({ example: '0.500000' })
  fee!: string;

  @ApiProperty({ example: '2026-11-25T12:00:00.000Z' })
  createdAt!: string;
}

export class PositionDetailDto extends PositionDto {
  @ApiProperty({ type: [FillDto] })
  fills!: FillDto[];
}

export class PositionPageDto extends PageDtoOf(PositionDto) {}

export class OrderDto {
  @ApiProperty({ example: ORDER_ID })
  id!: string;

  @ApiProperty({ example: 'BTC_USDC_PERP' })
  symbol!: string;

  @ApiProperty({ enum: ['long', 'short'], example: 'long' })
  side!: string;

  @ApiProperty({ enum: ['limit', 'stop'], example: 'limit' })
  type!: string;

  @ApiProperty({ example: '64000.00000000' })
  price!: string;

  @ApiProperty({ example: '100.000000' })
  margin!: string;

  @ApiProperty({ example: 10 })
  leverage!: number;

  @ApiProperty({ example: null, nullable: true, type: String })
  stopLoss!: string | null;

  @ApiProperty({ example: null, nullable: true, type: String })
  takeProfit!: string | null;

  @ApiProperty({ enum: PERP_ORDER_STATUSES, example: 'open' })
  status!: string;

  @ApiProperty({ example: null, nullable: true, type: String, description: 'The position it opened, once filled' })
  positionId!: string | null;

  @ApiProperty({ example: null, nullable: true, type: String })
  expiresAt!: string | null;

  @ApiProperty({ example: '2026-11-25T12:00:00.000Z' })
  createdAt!: string;
}

export class OrderPageDto extends PageDtoOf(OrderDto) {}

export class SymbolExposureDto {
  @ApiProperty({ example: 'BTC_USDC_PERP' })
  symbol!: string;

  @ApiProperty({ example: '12000.000000', description: 'Notional of open longs' })
  openInterestLong!: string;

  @ApiProperty({ example: '8000.000000', description: 'Notional of open shorts' })
  openInterestShort!: string;

  @ApiProperty({ example: 3 })
  openPositions!: number;

  @ApiProperty({ example: '64990.00000000', nullable: true, type: String, description: 'The mark: mid of the latest quote (rounded down to 8 decimals); null without one' })
  markPrice!: string | null;

  @ApiProperty({
    example: '-42.120000',
    nullable: true,
    type: String,
    description: 'What the house gains if every open position were settled at markPrice now (the negative of the users’ P&L at the mark, before fees); null without a quote',
  })
  houseNetExposure!: string | null;
}

export class ExposureDto {
  @ApiProperty({ type: [SymbolExposureDto] })
  symbols!: SymbolExposureDto[];

  @ApiProperty({ example: '2026-11-25T12:00:00.000Z' })
  at!: string;
}
