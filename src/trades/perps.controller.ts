import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { Public } from '../auth/auth.decorators';
import { InvalidField } from '../common/errors/domain-error';
import { ApiErrors, validationFailed } from '../common/http/api-errors.decorator';
import { PerpListingDto } from './perp-listing.dto';
import { PerpMarketData } from './perp-market-data.service';
import { BAD_CANDLE_QUERY, PRICE_FEED_STALE, UNKNOWN_SYMBOL } from './perps.api-errors';
import { CandlesQueryDto, parseTimeParam, PerpCandlesDto, PerpTickerDto } from './perps.dto';

const SYMBOL_PARAM = { name: 'symbol', example: 'BTC_USDC_PERP', description: 'One of PERP_SYMBOLS' };

@ApiTags('perps')
@Controller('perps')
export class PerpsController {
  constructor(private readonly marketData: PerpMarketData) {}

  @Get()
  @ApiOperation({ summary: 'Every traded perp symbol (PERP_SYMBOLS): its trading rules with the latest bid, ask and mark (mid)' })
  @Public()
  @ApiOkResponse({ type: [PerpListingDto], description: 'By symbol; prices are null before the first quote, `stale` when the feed has not updated within FEED_STALE_MS' })
  list(): Promise<PerpListingDto[]> {
    return this.marketData.listing();
  }

  @Get(':symbol/candles')
  @ApiOperation({ summary: 'A perp’s candles of mid prices (1m to 1d), oldest first' })
  @Public()
  @ApiParam(SYMBOL_PARAM)
  @ApiOkResponse({ type: PerpCandlesDto, description: 'Up to `limit` candles, oldest first; the last one may still be open' })
  @ApiErrors(BAD_CANDLE_QUERY, UNKNOWN_SYMBOL, { ...validationFailed('from', 'must not be later than to'), example: 'fromAfterTo' })
  candles(@Param('symbol') symbol: string, @Query() query: CandlesQueryDto): Promise<PerpCandlesDto> {
    const from = query.from === undefined ? undefined : parseTimeParam(query.from)!;
    const to = query.to === undefined ? undefined : parseTimeParam(query.to)!;
    if (from !== undefined && to !== undefined && from > to) throw new InvalidField('from', 'must not be later than to');
    return this.marketData.candlesOf(symbol, { interval: query.interval, from, to, limit: query.limit });
  }

  @Get(':symbol/ticker')
  @ApiOperation({ summary: 'A perp’s 24 h ticker: last (mid), bid, ask, change, high, low, volume traded here' })
  @Public()
  @ApiParam(SYMBOL_PARAM)
  @ApiOkResponse({ type: PerpTickerDto, description: 'The latest quote with the last 24 hours; `stale` when the feed has not updated within FEED_STALE_MS' })
  @ApiErrors(UNKNOWN_SYMBOL, PRICE_FEED_STALE)
  ticker(@Param('symbol') symbol: string): Promise<PerpTickerDto> {
    return this.marketData.ticker(symbol);
  }
}
