import { ApiProperty } from '@nestjs/swagger';

/** One row of `GET /perps`: a catalogue symbol's trading rules with its latest quote. */
export class PerpListingDto {
  @ApiProperty({ example: 'BTC_USDC_PERP' })
  symbol!: string;

  @ApiProperty({ type: String, nullable: true, example: '97031.2', description: 'Best bid of the latest quote; null before the first quote' })
  bid!: string | null;

  @ApiProperty({ type: String, nullable: true, example: '97031.3', description: 'Best ask of the latest quote; null before the first quote' })
  ask!: string | null;

  @ApiProperty({ type: String, nullable: true, example: '97031.25', description: 'Mark price: the mid (bid + ask) / 2, exact (one more decimal when the sum is odd); null before the first quote' })
  mark!: string | null;

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

  @ApiProperty({ example: false, description: 'No quote, or none for FEED_STALE_MS: trading on it is refused (503 PriceFeedStale)' })
  stale!: boolean;

  @ApiProperty({ type: String, nullable: true, example: '2026-11-25T12:00:00.250Z', description: 'When the feed received the latest quote; null before the first' })
  updatedAt!: string | null;
}
