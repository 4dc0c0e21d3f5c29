import type { ApiErrorSpec } from '../common/http/api-errors.decorator';

/** Documented error examples of the admin deposit routes. */
export const DEPOSIT_NOT_FOUND: ApiErrorSpec = {
  status: 404,
  error: 'NotFound',
  message: 'Deposit 3f2a9c4e-1b7d-4e8a-9c0f-2d3e4f5a6b7c not found',
  description: 'no such deposit',
};
export const DEPOSIT_NOT_UNASSIGNED: ApiErrorSpec = {
  status: 409,
  error: 'Conflict',
  message: 'Deposit 3f2a9c4e-1b7d-4e8a-9c0f-2d3e4f5a6b7c is CREDITED, not UNASSIGNED',
  description: 'the deposit is not (or no longer) UNASSIGNED',
};
