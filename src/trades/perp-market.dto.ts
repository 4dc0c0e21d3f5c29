import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean } from 'class-validator';
import { IsIntBetween } from '../common/http/is-int-between.decorator';
import { IsOmittable } from '../common/http/is-omittable.decorator';
import { IsAmount } from '../common/money/is-amount.decorator';

export class PerpMarketDto {
  @ApiProperty({ example: 'BTC_USDC_PERP' })
  symbol!: string;

  @ApiProperty({ example: 100, description: 'Highest leverage (integer) a position may open with' })
  maxLeverage!: number;

  @ApiProperty({ example: 5, description: 'Basis points of the notional, charged on open and on a non-liquidation close' })
  takerFeeBps!: number;

  @ApiProperty({ example: 50, description: 'Equity at or below this share of the notional (basis points) is liquidated' })
  maintenanceMarginBps!: number;

  @ApiProperty({ example: '1.000000', description: 'Smallest margin, USDC' })
  minMargin!: string;

  @ApiProperty({ example: false, description: 'A halted symbol opens nothing new' })
  halted!: boolean;

  @ApiProperty({ example: '2026-11-25T12:00:00.000Z' })
  updatedAt!: string;
}

export class UpdatePerpMarketDto {
  @ApiPropertyOptional({ example: 50, minimum: 1, maximum: 1000, description: 'maxLeverage × maintenanceMarginBps must stay below 10000' })
  @IsOmittable()
  @IsIntBetween(1, 1000)
  maxLeverage?: number;

  @ApiPropertyOptional({ example: 5, minimum: 0, maximum: 1000 })
  @IsOmittable()
  @IsIntBetween(0, 1000)
  takerFeeBps?: number;

  @ApiPropertyOptional({ example: 50, minimum: 0, maximum: 5000 })
  @IsOmittable()
  @IsIntBetween(0, 5000)
  maintenanceMarginBps?: number;

  @ApiPropertyOptional({ example: '10', description: 'USDC, at most 6 decimals' })
  @IsOmittable()
  @IsAmount()
  minMargin?: string;

  @ApiPropertyOptional({ example: true })
  @IsOmittable()
  @IsBoolean()
  halted?: boolean;
}
