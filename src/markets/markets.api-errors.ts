import { type ApiErrorSpec, validationFailed } from '../common/http/api-errors.decorator';

/** Documented error examples of the markets routes (messages as the services word them). */
const MARKET_ID = '3f0c9a52-0d7e-4a57-b0a3-2a8f6e1c9d40';

export const MARKET_NOT_FOUND: ApiErrorSpec = { status: 404, error: 'NotFound', message: `Market ${MARKET_ID} not found`, description: 'no such market' };

export const MARKET_CLOSED: ApiErrorSpec = {
  status: 422,
  error: 'MarketClosed',
  message: `Market ${MARKET_ID} closed at 2026-12-31T23:59:59.000Z`,
  details: { closesAt: '2026-12-31T23:59:59.000Z' },
  description: 'the market is not OPEN, or its closesAt has passed',
};

export const UNKNOWN_OUTCOME: ApiErrorSpec = {
  status: 400,
  error: 'UnknownOutcome',
  message: 'This market has no outcome "Maybe"',
  details: { outcomes: ['Yes', 'No'] },
  description: 'the market has no such outcome label or index',
};

export const TRADE_TOO_SMALL: ApiErrorSpec = {
  status: 422,
  error: 'TradeTooSmall',
  message: 'amount 0.000001 leaves nothing to buy shares with after the fee',
  description: 'the trade would buy or pay less than one unit',
};

export const TRADE_TOO_LARGE: ApiErrorSpec = {
  status: 422,
  error: 'TradeTooLarge',
  message: 'this trade moves the price beyond what the market’s liquidity can represent',
  description: 'the trade is beyond what the pool can price',
};

export const INSUFFICIENT_SHARES: ApiErrorSpec = {
  status: 422,
  error: 'InsufficientShares',
  message: 'Cannot sell 50.000000 shares of outcome 0: the position holds 18.218157',
  details: { outcome: 0, shares: '50.000000', held: '18.218157' },
  description: 'selling more shares than held',
};

export const INSUFFICIENT_FUNDS: ApiErrorSpec = {
  status: 422,
  error: 'InsufficientFunds',
  message: 'available balance 4.000000 USDC is less than 10.000000 USDC',
  details: { asset: 'USDC', bucket: 'available', balance: '4.000000', required: '10.000000' },
  description: 'the available balance does not cover the amount',
};

export function slippage(message: string): ApiErrorSpec {
  return { status: 422, error: 'PriceMovedBeyondSlippage', message, description: 'the fill is worse than the limit sent' };
}

export const INVALID_MARKET_TRANSITION: ApiErrorSpec = {
  status: 409,
  error: 'InvalidMarketTransition',
  message: `Market ${MARKET_ID} is already RESOLVED`,
  details: { status: 'RESOLVED' },
  description: 'the market’s status does not allow this step',
};

export const INVALID_MARKET: ApiErrorSpec[] = [
  validationFailed('closesAt', 'must be a valid ISO 8601 date string', 'a field is invalid (2–20 distinct outcomes, closesAt in the future, …)'),
  {
    status: 400,
    error: 'InvalidMarketParameters',
    message: 'initialProbabilities must sum to 1, got 0.9',
    description: 'the market maker cannot be set up with these parameters',
  },
];

export const INVALID_ORDER: ApiErrorSpec = validationFailed('price', "must be on the market's tick of 0.010000", 'off-tick price, price outside (0, 1), zero or off-lot shares, GTD without a future expiresAt, …');

export const ORDER_NOT_FOUND: ApiErrorSpec = {
  status: 404,
  error: 'NotFound',
  message: `Order 5c3e1d2a-7b4f-4e8a-9c1d-2e3f4a5b6c7d not found on market ${MARKET_ID}`,
  description: 'no such order of yours on this market',
};

export const WOULD_CROSS_BOOK: ApiErrorSpec = {
  status: 422,
  error: 'WouldCrossBook',
  message: 'A post-only buy at tick 55 would take liquidity',
  details: { price: 55 },
  description: 'a post-only order would take from the book or the pool',
};

export const FILL_OR_KILL_UNFILLED: ApiErrorSpec = {
  status: 422,
  error: 'FillOrKillUnfilled',
  message: 'Only 2500000 of 5000000 share units can fill now',
  details: { fillable: '2500000', shares: '5000000' },
  description: 'a FOK order cannot fill entirely now (nothing moved)',
};

export const SHARES_NOT_HELD: ApiErrorSpec = {
  status: 422,
  error: 'InsufficientShares',
  message: 'Cannot offer 50.000000 shares of outcome 0: you hold 18.218157, 0.000000 of them already in open sell orders',
  details: { outcome: 0, shares: '50.000000', held: '18.218157', inOpenOrders: '0.000000' },
  description: 'a sell of more shares than held and not already offered',
};

export const BAD_CANDLE_QUERY: ApiErrorSpec = validationFailed('interval', 'must be one of the following values: 1m, 5m, 15m, 1h, 4h, 1d');
