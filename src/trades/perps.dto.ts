import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsOptional, registerDecorator, ValidationArguments } from 'class-validator';
import { IsIntBetween } from '../common/http/is-int-between.decorator';
import { CANDLE_INTERVALS, CandleInterval } from './feed/candle-aggregator';

const ISO_8601 = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2}))?$/;
/** Later than any candle: keeps `Date` in range. */
const MAX_TIME_MS = 8_640_000_000_000_000;

/** `from`/`to`: milliseconds since the Unix epoch (`1764072000000`) or ISO 8601 (`2026-11-25T12:00:00Z`); null when neither. */
export function parseTimeParam(value: unknown): number | null {
  if (typeof value !== 'string' || value.length > 40) return null;
  if (/^\d{1,16}$/.test(value)) {
    const ms = Number(value);
    return ms <= MAX_TIME_MS ? ms : null;
  }
  if (!ISO_8601.test(value)) return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : ms;
}

function IsTimeParam(): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    registerDecorator({
      name: 'isTimeParam',
      target: target.constructor,
      propertyName: propertyName as string,
      validator: {
        validate: (value: unknown) => parseTimeParam(value) !== null,
        defaultMessage: (args: ValidationArguments) => `${args.property} must be milliseconds since the epoch or an ISO 8601 date-time with a time zone`,
      },
    });
  };
}

export class CandlesQueryDto {
  @ApiPropertyOptional({ enum: CANDLE_INTERVALS, example: '1m', default: '1m' })
  @IsOptional()
  @IsIn(CANDLE_INTERVALS)
  interval: CandleInterval = '1m';

  @ApiPropertyOptional({
    example: '2026-11-25T12:00:00Z',
    description: 'Candles opening at or after this time (inclusive): ms since the epoch or ISO 8601 with a time zone. With `from`, the first `limit` candles from it; without, the last `limit` before `to`.',
  })
  @IsOptional()
  @IsTimeParam()
  from?: string;

  @ApiPropertyOptional({ example: '1764079200000', description: 'Candles opening before this time (exclusive): ms since the epoch or ISO 8601. Defaults to now.' })
  @IsOptional()
  @IsTimeParam()
  to?: string;

  @ApiPropertyOptional({ example: 500, default: 500, minimum: 1, maximum: 1000 })
  @IsOptional()
  @Type(() => Number)
  @IsIntBetween(1, 1000)
  limit: number = 500;
}

export class PerpCandleDto {
  @ApiProperty({ example: '2026-11-25T12:00:00.000Z', description: 'Start of the interval (buckets are aligned to UTC)' })
  openTime!: string;

  @ApiProperty({ example: '2026-11-25T12:01:00.000Z', description: 'End of the interval (exclusive)' })
  closeTime!: string;

  @ApiProperty({ example: '97012.35', description: 'First mid price ((bid + ask) / 2) in the interval' })
  open!: string;

  @ApiProperty({ example: '97040.1' })
  high!: string;

  @ApiProperty({ example: '96998.85' })
  low!: string;

  @ApiProperty({ example: '97031.2', description: 'Latest mid price (still moving while the interval is open)' })
  close!: string;

  @ApiProperty({ example: '1520.5', description: 'USDC notional traded on this venue in the interval' })
  volume!: string;
}

export class PerpCandlesDto {
  @ApiProperty({ example: 'BTC_USDC_PERP' })
  symbol!: string;

  @ApiProperty({ enum: CANDLE_INTERVALS, example: '1m' })
  interval!: CandleInterval;

  @ApiProperty({ type: [PerpCandleDto], description: 'Oldest first' })
  candles!: PerpCandleDto[];
}

export class PerpTickerDto {
  @ApiProperty({ example: 'BTC_USDC_PERP' })
  symbol!: string;

  @ApiProperty({ example: '97031.25', description: 'Latest mid price, (bid + ask) / 2' })
  last!: string;

  @ApiProperty({ example: '97031.2' })
  bid!: string;

  @ApiProperty({ example: '97031.3' })
  ask!: string;

  @ApiProperty({ example: '96120.5', description: 'Mid price 24 hours ago (the first minute of the window this venue has)' })
  open24h!: string;

  @ApiProperty({ example: '910.75', description: 'last - open24h' })
  change24h!: string;

  @ApiProperty({ example: '0.95', description: 'Percent change over 24 h, 2 decimals' })
  changePercent24h!: string;

  @ApiProperty({ example: '97500' })
  high24h!: string;

  @ApiProperty({ example: '95800.15' })
  low24h!: string;

  @ApiProperty({ example: '125000.5', description: 'USDC notional traded on this venue in the last 24 h' })
  volume24h!: string;

  @ApiProperty({ example: false, description: `No update for FEED_STALE_MS: trading is refused (503 PriceFeedStale) until prices flow again` })
  stale!: boolean;

  @ApiProperty({ example: '2026-11-25T12:00:00.250Z', description: 'When the feed received the latest quote' })
  updatedAt!: string;
}
