import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsOptional } from 'class-validator';
import { IsOutcomeRef } from './market.dto';

export const CANDLE_INTERVALS = ['1m', '5m', '15m', '1h', '4h', '1d'] as const;
export type CandleInterval = (typeof CANDLE_INTERVALS)[number];

export class MarketCandlesQueryDto {
  @ApiProperty({ example: 'Yes', description: 'Outcome label (case-insensitive) or index' })
  @IsOutcomeRef()
  outcome!: string;

  @ApiProperty({ enum: CANDLE_INTERVALS, example: '1h' })
  @IsIn(CANDLE_INTERVALS)
  interval!: CandleInterval;

  @ApiPropertyOptional({ example: '2026-11-25T00:00:00.000Z', description: 'Start (inclusive); default: 500 intervals before `to`' })
  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;

  @ApiPropertyOptional({ example: '2026-11-26T00:00:00.000Z', description: 'End (exclusive); default: now' })
  @IsOptional()
  @IsISO8601({ strict: true })
  to?: string;
}

export class MarketCandleDto {
  @ApiProperty({ example: '2026-11-25T12:00:00.000Z', description: 'Start of the interval (UTC-aligned)' })
  at!: string;

  @ApiProperty({ example: '0.512000', description: 'Price per share before fee of the first fill, 6 decimals' })
  open!: string;

  @ApiProperty({ example: '0.561000' })
  high!: string;

  @ApiProperty({ example: '0.498000' })
  low!: string;

  @ApiProperty({ example: '0.550000', description: 'Price of the last fill' })
  close!: string;

  @ApiProperty({ example: '120.000000', description: 'Shares traded' })
  volumeShares!: string;

  @ApiProperty({ example: '64.210000', description: 'USDC traded, before fee' })
  volumeUsdc!: string;

  @ApiProperty({ example: 7, description: 'Fills (pool and book trades)' })
  trades!: number;
}

export class CandlesDto {
  @ApiProperty({ example: 0 })
  outcome!: number;

  @ApiProperty({ enum: CANDLE_INTERVALS, example: '1h' })
  interval!: CandleInterval;

  @ApiProperty({ example: '2026-11-25T00:00:00.000Z' })
  from!: string;

  @ApiProperty({ example: '2026-11-26T00:00:00.000Z' })
  to!: string;

  @ApiProperty({ type: [MarketCandleDto], description: 'Intervals with at least one fill, oldest first' })
  candles!: MarketCandleDto[];
}

export class OutcomeTickerDto {
  @ApiProperty({ example: 0 })
  outcome!: number;

  @ApiProperty({ example: 'Yes' })
  label!: string;

  @ApiProperty({ example: '0.625000', description: 'Current pool price' })
  price!: string;

  @ApiProperty({ type: String, nullable: true, example: '0.550000', description: 'Price of the last fill ever; null before any' })
  last!: string | null;

  @ApiProperty({ type: String, nullable: true, example: '0.500000', description: 'Price 24 h ago (the last fill before the window, else the first in it)' })
  open!: string | null;

  @ApiProperty({ type: String, nullable: true, example: '0.050000', description: 'last − open' })
  change!: string | null;

  @ApiProperty({ type: String, nullable: true, example: '0.561000', description: 'Highest fill price in the window; null without fills' })
  high!: string | null;

  @ApiProperty({ type: String, nullable: true, example: '0.498000' })
  low!: string | null;

  @ApiProperty({ example: '120.000000', description: 'Shares traded in the window' })
  volumeShares!: string;

  @ApiProperty({ example: '64.210000', description: 'USDC traded in the window, before fee' })
  volumeUsdc!: string;

  @ApiProperty({ example: 7 })
  trades!: number;
}

export class TickerDto {
  @ApiProperty({ example: '3f0c9a52-0d7e-4a57-b0a3-2a8f6e1c9d40' })
  marketId!: string;

  @ApiProperty({ example: '2026-11-24T12:00:00.000Z', description: 'Window start (24 h before `to`)' })
  from!: string;

  @ApiProperty({ example: '2026-11-25T12:00:00.000Z' })
  to!: string;

  @ApiProperty({ type: [OutcomeTickerDto] })
  outcomes!: OutcomeTickerDto[];
}
