import { DomainError } from '../common/errors/domain-error';

/** Trading a market that is not OPEN, or whose `closesAt` has passed (even before the close job ran). */
export class MarketClosed extends DomainError {
  constructor(message: string, details?: unknown) {
    super(422, 'MarketClosed', message, details);
  }
}

/** An outcome label or index the market does not have. */
export class UnknownOutcome extends DomainError {
  constructor(message: string, details?: unknown) {
    super(400, 'UnknownOutcome', message, details);
  }
}

/** A lifecycle step the market's status does not allow (resolving a cancelled market, shortening closesAt, ...). */
export class InvalidMarketTransition extends DomainError {
  constructor(message: string, details?: unknown) {
    super(409, 'InvalidMarketTransition', message, details);
  }
}
