import { type ApiErrorSpec, validationFailed } from '../common/http/api-errors.decorator';

/** Documented error examples of the perps routes (messages as the services word them). */
export const UNKNOWN_SYMBOL: ApiErrorSpec = {
  status: 404,
  error: 'UnknownSymbol',
  message: 'Unknown perp symbol DOGE_USDC_PERP',
  details: { symbol: 'DOGE_USDC_PERP' },
  description: 'the perps catalogue does not list the symbol',
};

export const INVALID_PERP_MARKET_CHANGE: ApiErrorSpec = validationFailed('maxLeverage', 'must not be greater than 1000');
