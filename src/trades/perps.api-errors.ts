import { type ApiErrorSpec, validationFailed } from '../common/http/api-errors.decorator';

/** Documented error examples of the perps routes (messages as the services word them). */
export const UNKNOWN_SYMBOL: ApiErrorSpec = {
  status: 404,
  error: 'UnknownSymbol',
  message: 'Unknown perp symbol DOGE_USDC_PERP',
  details: { symbol: 'DOGE_USDC_PERP' },
  description: 'the perps catalogue (PERP_SYMBOLS) does not list the symbol',
};

export const INVALID_PERP_MARKET_CHANGE: ApiErrorSpec = validationFailed('maxLeverage', 'must not be greater than 1000');

export const PRICE_FEED_STALE: ApiErrorSpec = {
  status: 503,
  error: 'PriceFeedStale',
  message: 'No price for BTC_USDC_PERP yet',
  details: { symbol: 'BTC_USDC_PERP', lastUpdateAt: null, staleMs: 5000 },
  description: 'the feed has not priced the symbol (or not within FEED_STALE_MS); retry once prices flow',
};

export const BAD_CANDLE_QUERY: ApiErrorSpec = validationFailed('interval', 'must be one of the following values: 1m, 5m, 15m, 1h, 4h, 1d');
