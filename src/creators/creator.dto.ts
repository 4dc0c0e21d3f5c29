import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsOptional } from 'class-validator';
import { IsIntBetween } from '../common/http/is-int-between.decorator';
import { IsOmittable } from '../common/http/is-omittable.decorator';
import { PageDtoOf, PageQueryDto } from '../common/http/pagination';
import { IsAmount } from '../common/money/is-amount.decorator';
import { MarketDto } from '../markets/market.dto';
import { CREATOR_STATUSES, type CreatorStatus } from './creator-share-market.entity';

/** Shares are whole numbers; one trade moves at most this many. */
export const MAX_SHARES_PER_TRADE = 100_000;

export class BuySharesDto {
  @ApiProperty({ example: 3, minimum: 1, maximum: MAX_SHARES_PER_TRADE, description: 'Whole shares to buy' })
  @IsIntBetween(1, MAX_SHARES_PER_TRADE)
  shares!: number;

  @ApiPropertyOptional({ example: '1.5', description: 'USDC: refuse (422 PriceMovedBeyondSlippage, nothing moves) if the cost, fees included, would be more' })
  @IsOmittable()
  @IsAmount('nonNegative')
  maxCost?: string;
}

export class SellSharesDto {
  @ApiProperty({ example: 2, minimum: 1, maximum: MAX_SHARES_PER_TRADE, description: 'Whole shares to sell (the oldest unlocked lots first)' })
  @IsIntBetween(1, MAX_SHARES_PER_TRADE)
  shares!: number;

  @ApiPropertyOptional({ example: '0.9', description: 'USDC: refuse (422 PriceMovedBeyondSlippage, nothing moves) if less would be received, net of fees' })
  @IsOmittable()
  @IsAmount('nonNegative')
  minProceeds?: string;
}

export class ShareQuoteQueryDto {
  @ApiProperty({ enum: ['buy', 'sell'], example: 'buy' })
  @IsIn(['buy', 'sell'])
  side!: 'buy' | 'sell';

  @ApiProperty({ example: 3, minimum: 1, maximum: MAX_SHARES_PER_TRADE })
  @Type(() => Number)
  @IsIntBetween(1, MAX_SHARES_PER_TRADE)
  shares!: number;
}

export class ShareQuoteDto {
  @ApiProperty({ enum: ['buy', 'sell'], example: 'buy' })
  side!: 'buy' | 'sell';

  @ApiProperty({ example: 3 })
  shares!: number;

  @ApiProperty({ example: 10, description: 'Supply before the trade' })
  supplyBefore!: number;

  @ApiProperty({ example: 13, description: 'Supply after the trade (never below 1)' })
  supplyAfter!: number;

  @ApiProperty({ example: '0.030625', description: 'USDC moved into (buy) or out of (sell) the curve’s reserve: V(s+n) − V(s) or V(s) − V(s−n)' })
  value!: string;

  @ApiProperty({ example: '0.001532', description: 'USDC to the creator (CREATOR_SHARE_FEE_BPS of value, rounded up); dividendFee of it goes to their dividend pool' })
  creatorFee!: string;

  @ApiProperty({ example: '0.001532', description: 'USDC to the platform (PLATFORM_SHARE_FEE_BPS of value, rounded up)' })
  platformFee!: string;

  @ApiProperty({ example: '0.003064', description: 'creatorFee + platformFee' })
  fee!: string;

  @ApiProperty({ example: '0.000766', description: 'The part of creatorFee paid into the creator’s dividend pool (DIVIDEND_SHARE_BPS, rounded down)' })
  dividendFee!: string;

  @ApiProperty({ example: '0.033689', description: 'A buy’s cost (value + fees, compared with maxCost) or a sell’s proceeds (value − fees, compared with minProceeds)' })
  total!: string;

  @ApiProperty({ example: '0.010208', description: 'value / shares, USDC, rounded down' })
  averagePrice!: string;

  @ApiProperty({ example: '0.012250', description: 'The next share’s price after the trade' })
  priceAfter!: string;
}

export class ShareFillDto extends ShareQuoteDto {
  @ApiProperty({ example: '8d0b6f1c-0c5e-4b53-9a55-0f3f1f0d9a10' })
  tradeId!: string;

  @ApiPropertyOptional({ example: '2026-01-06T10:00:00.000Z', description: 'A buy: when the bought lot can be sold' })
  lockedUntil?: string;
}

export class CreatorDto {
  @ApiProperty({ example: '5b7e2c1d-3f4a-4b6c-9d8e-1a2b3c4d5e6f', description: 'The creator’s user id' })
  creatorId!: string;

  @ApiProperty({ example: 'satoshi', nullable: true, type: String })
  username!: string | null;

  @ApiProperty({ enum: CREATOR_STATUSES, example: 'ACTIVE', description: 'REVOKED: the role was taken away; buying stopped, selling goes on' })
  status!: CreatorStatus;

  @ApiProperty({ example: 42, description: 'Shares outstanding (at least 1: the creator’s own)' })
  supply!: number;

  @ApiProperty({ example: '0.115562', description: 'USDC: the next share’s buy price, before fees' })
  price!: string;

  @ApiProperty({ example: '0.110250', nullable: true, type: String, description: 'USDC: what the last share sells for, before fees (null at supply 1)' })
  sellPrice!: string | null;

  @ApiProperty({ example: 17 })
  holders!: number;

  @ApiProperty({ example: '125.000000', description: 'USDC of curve value traded, ever' })
  volume!: string;

  @ApiProperty({ example: '12.500000', description: 'USDC of curve value traded in the last 24 hours' })
  volume24h!: string;

  @ApiProperty({ example: 58 })
  tradeCount!: number;

  @ApiProperty({ example: '3.250000', description: 'USDC paid to holders as dividends, ever' })
  dividendsPaid!: string;

  @ApiProperty({ example: '2026-01-01T12:00:00.000Z' })
  grantedAt!: string;
}

export class CreatorDetailDto extends CreatorDto {
  @ApiProperty({ example: '0.420000', description: 'USDC in the dividend pools of periods not yet paid' })
  pendingDividends!: string;

  @ApiProperty({ type: [MarketDto], description: 'The creator’s prediction markets, newest first (at most 20)' })
  markets!: MarketDto[];
}

export class CreatorPageDto extends PageDtoOf(CreatorDto) {}

export const CREATOR_SORTS = ['price', 'holders', 'volume', 'dividends'] as const;
export type CreatorSort = (typeof CREATOR_SORTS)[number];

export class ListCreatorsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: CREATOR_SORTS, default: 'price', description: 'Highest first: price (supply), holders, volume (ever), dividends (paid)' })
  @IsOptional()
  @IsIn(CREATOR_SORTS)
  sort: CreatorSort = 'price';
}

export class CreatorHolderDto {
  @ApiProperty({ example: '9a4c2e1b-7d3f-4b5a-8c6e-0f1a2b3c4d5e' })
  userId!: string;

  @ApiProperty({ example: 'user_3f9a1c2b7d', nullable: true, type: String })
  username!: string | null;

  @ApiProperty({ example: 5 })
  shares!: number;
}

export class CreatorHolderPageDto extends PageDtoOf(CreatorHolderDto) {}

export class ShareLotDto {
  @ApiProperty({ example: '1c0c5e6f-8d0b-4b53-9a55-0f3f1f0d9a10' })
  id!: string;

  @ApiProperty({ example: 3, description: 'Shares bought in this lot' })
  shares!: number;

  @ApiProperty({ example: 2, description: 'Shares of it not yet sold' })
  remaining!: number;

  @ApiProperty({ example: '2026-01-06T10:00:00.000Z' })
  lockedUntil!: string;

  @ApiProperty({ example: true })
  locked!: boolean;
}

export class MyCreatorSharesDto {
  @ApiProperty({ example: '5b7e2c1d-3f4a-4b6c-9d8e-1a2b3c4d5e6f' })
  creatorId!: string;

  @ApiProperty({ example: 'satoshi', nullable: true, type: String })
  username!: string | null;

  @ApiProperty({ enum: CREATOR_STATUSES, example: 'ACTIVE' })
  status!: CreatorStatus;

  @ApiProperty({ example: 6, description: 'Shares held (a creator’s own share 1 included)' })
  shares!: number;

  @ApiProperty({ example: 2, description: 'Shares that could be sold now (in unlocked lots)' })
  unlockedShares!: number;

  @ApiProperty({ example: '0.512000', description: 'USDC a sell of every bought share would return now, net of fees (locked ones included)' })
  value!: string;

  @ApiProperty({ type: [ShareLotDto], description: 'Lots with shares left, the oldest unlock first' })
  lots!: ShareLotDto[];
}

export class MyCreatorSharesPageDto extends PageDtoOf(MyCreatorSharesDto) {}
