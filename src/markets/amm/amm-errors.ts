import { DomainError } from '../../common/errors/domain-error';

/**
 * Errors of the pure market maker. They extend DomainError (a plain class without Nest imports) so the
 * global filter answers them as 4xx with a stable `error` name and the service need not translate them.
 */

/** Market parameters that cannot make a market: outcome count, subsidy, initial probabilities. */
export class InvalidMarketParameters extends DomainError {
  constructor(message: string, details?: unknown) {
    super(400, 'InvalidMarketParameters', message, details);
  }
}

/** A trade request the maker cannot price: non-positive amount, unknown outcome, bad fee schedule. */
export class InvalidTradeInput extends DomainError {
  constructor(message: string, details?: unknown) {
    super(400, 'InvalidTradeInput', message, details);
  }
}

/** Selling more shares of an outcome than are outstanding. */
export class InsufficientShares extends DomainError {
  constructor(message: string, details?: unknown) {
    super(422, 'InsufficientShares', message, details);
  }
}

/** A trade so small that, rounded in the pool's favour, it would buy no share or pay nothing. */
export class TradeTooSmall extends DomainError {
  constructor(message: string, details?: unknown) {
    super(422, 'TradeTooSmall', message, details);
  }
}

/** A trade so large relative to the market's liquidity that exp() would leave the supported range. */
export class TradeTooLarge extends DomainError {
  constructor(message: string, details?: unknown) {
    super(422, 'TradeTooLarge', message, details);
  }
}

/** The fill is worse than the client's `minShares` / `minProceeds`; nothing moves. */
export class PriceMovedBeyondSlippage extends DomainError {
  constructor(message: string, details?: unknown) {
    super(422, 'PriceMovedBeyondSlippage', message, details);
  }
}

/**
 * The pool holds less than it may have to pay out. Never a client mistake: a bug or a broken ledger, so it
 * is a plain Error (answered as 500 and logged) and must stop the command that found it.
 */
export class PoolInvariantViolation extends Error {
  constructor(
    message: string,
    readonly details: { poolBalance: bigint; requiredBalance: bigint },
  ) {
    super(message);
    this.name = 'PoolInvariantViolation';
  }
}
