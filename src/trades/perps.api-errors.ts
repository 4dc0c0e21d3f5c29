import type { ApiErrorSpec } from '../common/http/api-errors.decorator';
import { validationFailed } from '../common/http/api-errors.decorator';

/** Documented error examples of the perps routes. */
export const UNKNOWN_SYMBOL: ApiErrorSpec = { status: 404, error: 'UnknownSymbol', message: 'Unknown perp symbol DOGE_USDC_PERP', description: 'the symbol is not one of PERP_SYMBOLS' };

export const PRICE_FEED_STALE: ApiErrorSpec = {
  status: 503,
  error: 'PriceFeedStale',
  message: 'No price for BTC_USDC_PERP yet',
  details: { symbol: 'BTC_USDC_PERP', lastUpdateAt: null, staleMs: 5000 },
  description: 'the feed has not priced the symbol (or not within FEED_STALE_MS); retry once prices flow',
};

export const BAD_CANDLE_QUERY: ApiErrorSpec = validationFailed('interval', 'must be one of the following values: 1m, 5m, 15m, 1h, 4h, 1d');
