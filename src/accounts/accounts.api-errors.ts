import type { ApiErrorSpec } from '../common/http/api-errors.decorator';

/** Documented error examples shared by the user and admin withdrawal routes. */
export const WITHDRAWAL_NOT_FOUND: ApiErrorSpec = {
  status: 404,
  error: 'NotFound',
  message: 'Withdrawal 5d1f7c2a-8e3b-4c6d-9a0f-1b2c3d4e5f60 not found',
  description: 'no such withdrawal (or not yours)',
};
export const WITHDRAWAL_NOT_PENDING: ApiErrorSpec = {
  status: 409,
  error: 'Conflict',
  message: 'Withdrawal 5d1f7c2a-8e3b-4c6d-9a0f-1b2c3d4e5f60 is SENT, not PENDING',
  description: 'the withdrawal is no longer PENDING',
};
export const WITHDRAWAL_ALREADY_APPROVED: ApiErrorSpec = {
  status: 409,
  error: 'Conflict',
  message: 'Withdrawal 5d1f7c2a-8e3b-4c6d-9a0f-1b2c3d4e5f60 is already approved',
  description: 'approved before, or at or below the review threshold (approved when requested)',
};

export const POSTING_TOO_LARGE: ApiErrorSpec = {
  status: 422,
  error: 'PostingTooLarge',
  message: 'a single ledger movement of 1000000000000000.000000 USDC exceeds LEDGER_MAX_POSTING (1000000000000 USDC)',
  details: { asset: 'USDC', amount: '1000000000000000.000000', max: '1000000000000' },
  description: 'an absurd amount: larger than the per-asset cap on any single posting',
};
