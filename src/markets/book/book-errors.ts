import { domainError } from '../../common/errors/domain-error';

/**
 * Errors of the pure order book. A command that throws one changed nothing: every check runs before the
 * first mutation, and FOK is planned in full before it fills.
 */

/** Off-tick or out-of-range price, zero or off-lot shares, GTD without a future expiresAt, a duplicate id. */
export class InvalidOrder extends domainError(400, 'InvalidOrder') {}

/** A post-only order that would take from the book or the pool. */
export class WouldCrossBook extends domainError(422, 'WouldCrossBook') {}

/** A fill-or-kill order that the book and the pool cannot fill entirely right now. */
export class FillOrKillUnfilled extends domainError(422, 'FillOrKillUnfilled') {}
