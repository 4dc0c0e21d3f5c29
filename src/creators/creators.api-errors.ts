import type { ApiErrorSpec } from '../common/http/api-errors.decorator';

/** Documented error examples of the creators routes (messages as the services word them). */
const CREATOR_ID = '5b7e2c1d-3f4a-4b6c-9d8e-1a2b3c4d5e6f';

export const CREATOR_NOT_FOUND: ApiErrorSpec = { status: 404, error: 'CreatorNotFound', message: `Creator ${CREATOR_ID} not found`, description: 'no share market: the user is not a creator' };

export const USER_NOT_FOUND: ApiErrorSpec = { status: 404, error: 'NotFound', message: `User ${CREATOR_ID} not found`, description: 'no such user' };

export const CREATOR_NOT_TRADING: ApiErrorSpec = {
  status: 422,
  error: 'CreatorNotTrading',
  message: `Creator ${CREATOR_ID} is REVOKED: their shares can only be sold`,
  details: { status: 'REVOKED' },
  description: 'the creator role was revoked: buying stopped, holders can still sell',
};

export function slippage(message: string): ApiErrorSpec {
  return { status: 422, error: 'PriceMovedBeyondSlippage', message, description: 'the fill is worse than the limit sent; nothing moved' };
}

export const INSUFFICIENT_SHARES: ApiErrorSpec = {
  status: 422,
  error: 'InsufficientShares',
  message: 'Cannot sell 5 shares: 3 are held for sale',
  details: { shares: '5', held: '3' },
  description: 'selling more than the bought shares held (a creator’s own share 1 is never for sale)',
};

export const SHARES_LOCKED: ApiErrorSpec = {
  status: 422,
  error: 'SharesLocked',
  message: 'Cannot sell 3 shares yet: 1 are unlocked, the next unlock is at 2026-01-06T10:00:00.000Z',
  details: { shares: '3', unlocked: '1', nextUnlockAt: '2026-01-06T10:00:00.000Z' },
  description: 'enough shares are held but some are within CREATOR_SHARE_LOCK_SECONDS of their purchase',
};

export const TRADE_TOO_SMALL: ApiErrorSpec = {
  status: 422,
  error: 'TradeTooSmall',
  message: 'Selling 1 shares would return nothing after fees',
  description: 'the fees would take all a sell returns',
};

export const INSUFFICIENT_FUNDS: ApiErrorSpec = {
  status: 422,
  error: 'InsufficientFunds',
  message: 'Available balance 0.100000 USDC is less than 0.276000 USDC',
  details: { asset: 'USDC', bucket: 'available', balance: '0.100000', required: '0.276000' },
  description: 'the available balance does not cover the cost and fees',
};

export const PERIOD_NOT_ENDED: ApiErrorSpec = {
  status: 422,
  error: 'PeriodNotEnded',
  message: 'Dividend period 2026-01-05T00:00:00.000Z ends at 2026-01-06T00:00:00.000Z; its holders of record are not known yet',
  details: { endsAt: '2026-01-06T00:00:00.000Z' },
  description: 'the period has not ended',
};
