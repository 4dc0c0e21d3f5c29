import type { ApiErrorSpec } from '../common/http/api-errors.decorator';

/** Documented error examples of the perps routes (messages as the venue words them). */
const POSITION_ID = '8d4b2f61-3c7a-4e0b-9a15-6f2d8c1e4b73';
const ORDER_ID = '2b7e4c19-8f3d-4a62-b5e0-1d9c7a3f6e28';

export const POSITION_NOT_FOUND: ApiErrorSpec = {
  status: 404,
  error: 'PositionNotFound',
  message: `Position ${POSITION_ID} not found`,
  description: 'no such position (also for another user’s)',
};
export const ORDER_NOT_FOUND: ApiErrorSpec = { status: 404, error: 'OrderNotFound', message: `Order ${ORDER_ID} not found`, description: 'no such order (also for another user’s)' };
export const POSITION_CLOSED: ApiErrorSpec = { status: 409, error: 'PositionClosed', message: `Position ${POSITION_ID} is already closed`, description: 'the position is closed' };
export const ORDER_NOT_OPEN: ApiErrorSpec = {
  status: 409,
  error: 'OrderNotOpen',
  message: `Order ${ORDER_ID} is filled`,
  details: { status: 'filled' },
  description: 'the order was filled, cancelled or expired',
};
export const SYMBOL_NOT_TRADED: ApiErrorSpec = {
  status: 409,
  error: 'SymbolNotTraded',
  message: 'SOL_USDC_PERP is no longer traded (not in PERP_SYMBOLS); what is open on it waits until it is listed again',
  description: 'the symbol was removed from PERP_SYMBOLS and is not winding down (PERP_WIND_DOWN_ENABLED=false)',
};
export const SYMBOL_HALTED: ApiErrorSpec = { status: 409, error: 'SymbolHalted', message: 'Trading BTC_USDC_PERP is halted', description: 'the symbol takes no new trades now' };
export const LEVERAGE_OUT_OF_RANGE: ApiErrorSpec = {
  status: 422,
  error: 'LeverageOutOfRange',
  message: 'leverage must be an integer between 1 and 50',
  details: { min: 1, max: 50 },
  description: 'leverage above MAX_LEVERAGE, or so high the position would start below its maintenance margin',
};
export const MARGIN_BELOW_MINIMUM: ApiErrorSpec = {
  status: 422,
  error: 'MarginBelowMinimum',
  message: 'margin must be at least 1.000000 USDC',
  details: { minMargin: '1.000000' },
  description: 'margin below MIN_MARGIN',
};
export const INVALID_TRIGGER: ApiErrorSpec = {
  status: 422,
  error: 'InvalidTrigger',
  message: 'takeProfit must lie strictly above the bid 6500000000000 (price units)',
  description: 'a stop-loss or take-profit on the wrong side of the price or the liquidation price',
};
export const PRICE_MOVED: ApiErrorSpec = {
  status: 422,
  error: 'PriceMovedBeyondSlippage',
  message: 'fill price 65400.00000000 is worse than the quoted 65000.00000000 by more than 50 bps',
  details: { quotedPrice: '65000.00000000', fillPrice: '65400.00000000', slippageBps: 50 },
  description: 'the fill is worse than quotedPrice by more than slippageBps; nothing moved',
};
export const INSUFFICIENT_FUNDS: ApiErrorSpec = {
  status: 422,
  error: 'InsufficientFunds',
  message: 'Available balance 40.000000 USDC is less than 100.500000 USDC',
  details: { asset: 'USDC', bucket: 'available', balance: '40.000000', required: '100.500000' },
  description: 'the available balance does not cover margin and open fee',
};
export const EXPIRY_IN_PAST: ApiErrorSpec = { status: 422, error: 'ExpiryInPast', message: 'expiresAt must be in the future', description: 'expiresAt is not in the future' };
