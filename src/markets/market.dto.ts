import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsISO8601,
  IsOptional,
  IsString,
  Length,
  registerDecorator,
  ValidationArguments,
} from 'class-validator';
import { IsOmittable } from '../common/http/is-omittable.decorator';
import { PageDtoOf, PageQueryDto } from '../common/http/pagination';
import { IsAmount } from '../common/money/is-amount.decorator';
import { MARKET_STATUSES, MarketStatus } from './market.entity';

/** An outcome named by its label (`"Yes"`) or its index (`0`, or `"0"` in a query string). */
export type OutcomeRef = string | number;

export function IsOutcomeRef(): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    registerDecorator({
      name: 'isOutcomeRef',
      target: target.constructor,
      propertyName: propertyName as string,
      validator: {
        validate: (value: unknown) =>
          (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value < 20) ||
          (typeof value === 'string' && value.trim().length > 0 && value.length <= 100),
        defaultMessage: (args: ValidationArguments) => `${args.property} must be an outcome label or an index from 0 to 19`,
      },
    });
  };
}

export const OUTCOME_DESCRIPTION = 'The outcome’s label (case-insensitive) or its index';

export class CreateMarketDto {
  @ApiProperty({ example: 'Will BTC close above $100k on Dec 31?' })
  @IsString()
  @Length(5, 300)
  question!: string;

  @ApiPropertyOptional({ example: 'Resolves Yes if the Coinbase BTC-USD daily close on 2026-12-31 is above 100,000.', default: '' })
  @IsOmittable()
  @IsString()
  @Length(0, 5000)
  description?: string;

  @ApiProperty({ example: 'crypto' })
  @IsString()
  @Length(1, 64)
  category!: string;

  @ApiProperty({ example: ['Yes', 'No'], type: [String], description: '2 to 20 distinct labels (case-insensitive)' })
  @IsArray()
  @ArrayMinSize(2)
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @Length(1, 100, { each: true })
  outcomes!: string[];

  @ApiProperty({ example: '2026-12-31T23:59:59.000Z', description: 'ISO 8601, in the future' })
  @IsISO8601({ strict: true })
  closesAt!: string;

  @ApiProperty({ example: '100', description: 'USDC put in the pool; the maker’s largest possible loss. b = subsidy / ln(n)' })
  @IsAmount()
  subsidy!: string;

  @ApiPropertyOptional({ example: ['0.7', '0.3'], type: [String], description: 'One decimal per outcome, each ≥ 0.01, summing to 1' })
  @IsOmittable()
  @IsArray()
  @IsAmount('positive', { each: true })
  initialProbabilities?: string[];

  @ApiPropertyOptional({
    example: '0.001',
    default: '0.01',
    description: 'Price tick of the market\'s order books: one of 0.01, 0.005, 0.001, 0.0001. Limit prices are whole ticks from one tick to 1 − one tick; order sizes are whole lots of 0.000001 / tickSize shares (0.0001 at 0.01, 0.001 at 0.001), so every hold and fill is exact.',
  })
  @IsOmittable()
  @IsAmount()
  tickSize?: string;
}

export class UpdateMarketDto {
  @ApiPropertyOptional({ example: 'Will BTC close above $100k on Dec 31, 2026?' })
  @IsOmittable()
  @IsString()
  @Length(5, 300)
  question?: string;

  @ApiPropertyOptional({ example: 'Resolution source: Coinbase BTC-USD daily close.', description: '"" clears it; null is refused (leave the field out to keep it)' })
  @IsOmittable()
  @IsString()
  @Length(0, 5000)
  description?: string;

  @ApiPropertyOptional({ example: 'crypto' })
  @IsOmittable()
  @IsString()
  @Length(1, 64)
  category?: string;

  @ApiPropertyOptional({ example: '2027-01-31T23:59:59.000Z', description: 'May only move later (extend an open market)' })
  @IsOmittable()
  @IsISO8601({ strict: true })
  closesAt?: string;
}

export class ResolveMarketDto {
  @ApiProperty({ example: 'Yes', oneOf: [{ type: 'string' }, { type: 'integer' }], description: OUTCOME_DESCRIPTION })
  @IsOutcomeRef()
  outcome!: OutcomeRef;
}

export class BuyDto {
  @ApiProperty({ example: 'Yes', oneOf: [{ type: 'string' }, { type: 'integer' }], description: OUTCOME_DESCRIPTION })
  @IsOutcomeRef()
  outcome!: OutcomeRef;

  @ApiProperty({ example: '10', description: 'USDC to spend, fee included' })
  @IsAmount()
  amount!: string;

  @ApiPropertyOptional({ example: '15.5', description: 'Refuse (422 PriceMovedBeyondSlippage) if fewer shares would be bought' })
  @IsOmittable()
  @IsAmount('nonNegative')
  minShares?: string;
}

export class SellDto {
  @ApiProperty({ example: 'Yes', oneOf: [{ type: 'string' }, { type: 'integer' }], description: OUTCOME_DESCRIPTION })
  @IsOutcomeRef()
  outcome!: OutcomeRef;

  @ApiProperty({ example: '5', description: 'Shares to sell (6 decimals)' })
  @IsAmount()
  shares!: string;

  @ApiPropertyOptional({ example: '2.9', description: 'Refuse (422 PriceMovedBeyondSlippage) if less USDC would be received, net of fee' })
  @IsOmittable()
  @IsAmount('nonNegative')
  minProceeds?: string;
}

export class QuoteQueryDto {
  @ApiProperty({ example: 'Yes', description: OUTCOME_DESCRIPTION })
  @IsOutcomeRef()
  outcome!: string;

  @ApiProperty({ enum: ['buy', 'sell'], example: 'buy' })
  @IsIn(['buy', 'sell'])
  side!: 'buy' | 'sell';

  @ApiPropertyOptional({ example: '10', description: 'USDC to spend (buy)' })
  @IsOptional()
  @IsAmount()
  amount?: string;

  @ApiPropertyOptional({ example: '5', description: 'Shares to sell (sell)' })
  @IsOptional()
  @IsAmount()
  shares?: string;
}

export const MARKET_SORTS = ['volume', 'closesAt', 'createdAt'] as const;
export type MarketSort = (typeof MARKET_SORTS)[number];

export class ListMarketsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: MARKET_STATUSES, example: 'OPEN' })
  @IsOptional()
  @IsIn(MARKET_STATUSES)
  status?: MarketStatus;

  @ApiPropertyOptional({ example: 'crypto' })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  category?: string;

  @ApiPropertyOptional({ example: 'btc', description: 'Case-insensitive search in the question' })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  q?: string;

  @ApiPropertyOptional({ enum: MARKET_SORTS, example: 'volume', default: 'createdAt' })
  @IsOptional()
  @IsIn(MARKET_SORTS)
  sort: MarketSort = 'createdAt';

  @ApiPropertyOptional({ enum: ['asc', 'desc'], example: 'desc', default: 'desc' })
  @IsOptional()
  @IsIn(['asc', 'desc'])
  order: 'asc' | 'desc' = 'desc';
}

export const HISTORY_INTERVALS = ['1m', '1h', '1d'] as const;
export type HistoryInterval = (typeof HISTORY_INTERVALS)[number];

export class HistoryQueryDto {
  @ApiPropertyOptional({ enum: HISTORY_INTERVALS, example: '1h', default: '1h' })
  @IsOptional()
  @IsIn(HISTORY_INTERVALS)
  interval: HistoryInterval = '1h';
}

export class OutcomeDto {
  @ApiProperty({ example: 0 })
  index!: number;

  @ApiProperty({ example: 'Yes' })
  label!: string;

  @ApiProperty({ example: '0.625000', description: 'Current price (probability), 6 decimals; prices sum to 1' })
  price!: string;
}

export class MarketDto {
  @ApiProperty({ example: '3f0c9a52-0d7e-4a57-b0a3-2a8f6e1c9d40' })
  id!: string;

  @ApiProperty({ example: 'Will BTC close above $100k on Dec 31?' })
  question!: string;

  @ApiProperty({ example: 'Resolves Yes if the Coinbase BTC-USD daily close on 2026-12-31 is above 100,000.' })
  description!: string;

  @ApiProperty({ example: 'crypto' })
  category!: string;

  @ApiProperty({ enum: MARKET_STATUSES, example: 'OPEN' })
  status!: MarketStatus;

  @ApiProperty({ example: '2026-12-31T23:59:59.000Z' })
  closesAt!: string;

  @ApiProperty({ example: null, nullable: true, type: Number, description: 'Index of the winning outcome once RESOLVED' })
  resolvedOutcome!: number | null;

  @ApiProperty({ type: [OutcomeDto] })
  outcomes!: OutcomeDto[];

  @ApiProperty({ example: '1520.000000', description: 'USDC traded (buys fee included, sells before fee)' })
  volume!: string;

  @ApiProperty({ example: '144.269504', description: 'LMSR b in USDC' })
  liquidity!: string;

  @ApiProperty({ example: '100.000000', description: 'USDC the funder put in the pool' })
  subsidy!: string;

  @ApiProperty({ example: 100, description: 'Trading fee in basis points' })
  feeBps!: number;

  @ApiProperty({ example: '0.010000', description: 'Price tick of the order books (limit prices are whole ticks)' })
  tickSize!: string;

  @ApiProperty({ example: null, nullable: true, type: String, description: 'The creator (null for admin markets)' })
  creatorId!: string | null;

  @ApiProperty({ example: null, nullable: true, type: String, description: 'When every position was paid (RESOLVED/CANCELLED)' })
  settledAt!: string | null;

  @ApiProperty({ example: '2026-11-25T12:00:00.000Z' })
  createdAt!: string;
}

export class MarketPageDto extends PageDtoOf(MarketDto) {}

/** One fill of an order or a trade, in the shape the orders and the AMM's buy and sell answer it. */
export class OrderFillDto {
  @ApiProperty({ example: '7b1e2c3d-4f5a-4b6c-8d7e-9f0a1b2c3d4e', description: 'Shared by both sides of a book trade' })
  tradeId!: string;

  @ApiProperty({ example: '0.410000', description: 'Book: the maker’s price. Pool: the average price of the step (amount / shares)' })
  price!: string;

  @ApiProperty({ example: '10.000000' })
  shares!: string;

  @ApiProperty({ example: '4.100000', description: 'USDC for the shares before fee: a buyer pays amount + fee, a seller receives amount − fee' })
  amount!: string;

  @ApiProperty({ example: '0.041000' })
  fee!: string;

  @ApiProperty({ enum: ['maker', 'taker'], example: 'taker' })
  liquidity!: 'maker' | 'taker';

  @ApiProperty({ enum: ['book', 'pool'], example: 'book', description: 'A resting order or the market maker' })
  counterparty!: 'book' | 'pool';
}

/** What a trade would fill: the fill without its trade id. */
export class QuoteDto {
  @ApiProperty({ example: 0 })
  outcome!: number;

  @ApiProperty({ enum: ['buy', 'sell'], example: 'buy' })
  side!: 'buy' | 'sell';

  @ApiProperty({ example: '18.218157', description: 'Shares bought or sold (6 decimals)' })
  shares!: string;

  @ApiProperty({ example: '10.000000', description: 'Buy: USDC paid, fee included. Sell: USDC received, net of fee (also as proceeds)' })
  amount!: string;

  @ApiPropertyOptional({
    example: '2.940000',
    description: 'Sell only: USDC received, net of fee (equal to amount); what a sell’s minProceeds is compared with',
  })
  proceeds?: string;

  @ApiProperty({ example: '0.100000' })
  fee!: string;

  @ApiProperty({ example: '0.548903', description: 'amount / shares' })
  averagePrice!: string;

  @ApiProperty({ example: ['0.568000', '0.432000'], type: [String], description: 'Prices after the trade, per outcome index' })
  prices!: string[];
}

export class MarketFillDto extends QuoteDto {
  @ApiProperty({
    example: '7b1e2c3d-4f5a-4b6c-8d7e-9f0a1b2c3d4e',
    description: 'The trade (with the book: the first book trade, as GET /markets/:id/trades names it)',
  })
  tradeId!: string;

  @ApiPropertyOptional({
    type: [OrderFillDto],
    description:
      'Each step of the trade in matching order: resting orders (counterparty book, at the maker’s price) and the pool; present when the trade met the order book',
  })
  fills?: OrderFillDto[];
}

export class MarketTradeDto {
  @ApiProperty({ example: '7b1e2c3d-4f5a-4b6c-8d7e-9f0a1b2c3d4e', description: 'Trade id (a fill response names the same id)' })
  id!: string;

  @ApiProperty({ enum: ['pool', 'book'], example: 'book', description: 'pool: against the market maker; book: between a resting order (maker) and a taker' })
  venue!: 'pool' | 'book';

  @ApiProperty({ enum: ['buy', 'sell'], example: 'buy', description: 'The taker’s side' })
  side!: 'buy' | 'sell';

  @ApiProperty({ enum: ['buy', 'sell'], example: 'sell', description: 'The maker’s side (the pool’s on a pool trade): the opposite of side' })
  makerSide!: 'buy' | 'sell';

  @ApiProperty({ example: 0 })
  outcome!: number;

  @ApiProperty({ example: '18.218157' })
  shares!: string;

  @ApiProperty({ example: '10.000000', description: 'Buy: USDC paid, fee included. Sell: USDC received, net of fee (also as proceeds)' })
  amount!: string;

  @ApiPropertyOptional({ example: '2.940000', description: 'Sell only: USDC received, net of fee (equal to amount)' })
  proceeds?: string;

  @ApiProperty({ example: '0.100000' })
  fee!: string;

  @ApiProperty({ example: '0.550000', description: 'Price per share before fee, 6 decimals (a book trade: the maker’s price)' })
  price!: string;

  @ApiProperty({ example: '0.548903', description: 'The taker’s amount / shares' })
  averagePrice!: string;

  @ApiProperty({ example: ['0.568000', '0.432000'], type: [String], description: 'Pool prices after the trade (a book trade leaves them as they were)' })
  prices!: string[];

  @ApiProperty({ type: String, nullable: true, example: '5d6c7b8a-9e0f-4a1b-8c2d-3e4f5a6b7c8d', description: 'The taker’s limit order on a book trade, else null' })
  takerOrderId!: string | null;

  @ApiProperty({ type: String, nullable: true, example: '0a1b2c3d-4e5f-4a6b-9c7d-8e9f0a1b2c3d', description: 'The resting order filled on a book trade, else null' })
  makerOrderId!: string | null;

  @ApiProperty({ example: '2026-11-25T12:00:00.000Z' })
  createdAt!: string;
}

export class MarketTradePageDto extends PageDtoOf(MarketTradeDto) {}

export class PricePointDto {
  @ApiProperty({ example: '2026-11-25T12:00:00.000Z', description: 'Start of the interval' })
  at!: string;

  @ApiProperty({ example: ['0.568000', '0.432000'], type: [String], description: 'Last prices in the interval' })
  prices!: string[];
}

export class PriceHistoryDto {
  @ApiProperty({ enum: HISTORY_INTERVALS, example: '1h' })
  interval!: HistoryInterval;

  @ApiProperty({ type: [PricePointDto] })
  points!: PricePointDto[];
}

export class PositionOutcomeDto {
  @ApiProperty({ example: 0 })
  index!: number;

  @ApiProperty({ example: 'Yes' })
  label!: string;

  @ApiProperty({ example: '18.218157' })
  shares!: string;

  @ApiProperty({ example: '10.000000', description: 'What the shares still held cost, fee included' })
  costBasis!: string;
}

export class MarketPositionDto {
  @ApiProperty({ example: '3f0c9a52-0d7e-4a57-b0a3-2a8f6e1c9d40' })
  marketId!: string;

  @ApiProperty({ example: 'Will BTC close above $100k on Dec 31?' })
  question!: string;

  @ApiProperty({ enum: MARKET_STATUSES, example: 'OPEN' })
  status!: MarketStatus;

  @ApiProperty({ type: [PositionOutcomeDto] })
  outcomes!: PositionOutcomeDto[];

  @ApiProperty({ example: '10.000000', description: 'Sum of the cost basis of the shares held' })
  costBasis!: string;

  @ApiProperty({
    example: '10.348800',
    description: 'OPEN/CLOSED: shares at current prices; RESOLVED: the payout; CANCELLED: the refund',
  })
  currentValue!: string;

  @ApiProperty({ example: '0.348800', description: 'currentValue - costBasis' })
  unrealizedPnl!: string;

  @ApiProperty({ example: '10.000000', description: 'Paid on buys, fees included' })
  paid!: string;

  @ApiProperty({ example: '0.000000', description: 'Received on sells, net of fees' })
  received!: string;

  @ApiProperty({ example: null, nullable: true, type: String, description: 'What settlement paid this position, once paid' })
  settlementAmount!: string | null;
}

export class MarketPositionPageDto extends PageDtoOf(MarketPositionDto) {}

export class MarketPoolCheckDto {
  @ApiProperty({ example: '3f0c9a52-0d7e-4a57-b0a3-2a8f6e1c9d40' })
  marketId!: string;

  @ApiProperty({ enum: MARKET_STATUSES, example: 'OPEN' })
  status!: MarketStatus;

  @ApiProperty({ example: '112.400000', description: 'Balance of the market’s pool account' })
  poolBalance!: string;

  @ApiProperty({ example: '12.000000', description: 'max_i outstanding shares of i: what the pool owes if i wins' })
  requiredBalance!: string;

  @ApiProperty({ example: true })
  holds!: boolean;
}

export class MarketPoolReportDto {
  @ApiProperty({ example: true, description: 'Every open or closed market’s pool holds at least max_i q_i' })
  ok!: boolean;

  @ApiProperty({ example: 12 })
  marketsChecked!: number;

  @ApiProperty({ type: [MarketPoolCheckDto], description: 'Markets whose pool is short (empty when ok)' })
  violations!: MarketPoolCheckDto[];
}
