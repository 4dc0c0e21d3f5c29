import { domainError } from '../common/errors/domain-error';

/** Trading a market that is not OPEN, or whose `closesAt` has passed (even before the close job ran). */
export class MarketClosed extends domainError(422, 'MarketClosed') {}

/** An outcome label or index the market does not have. */
export class UnknownOutcome extends domainError(400, 'UnknownOutcome') {}

/** A lifecycle step the market's status does not allow (resolving a cancelled market, shortening closesAt, ...). */
export class InvalidMarketTransition extends domainError(409, 'InvalidMarketTransition') {}
