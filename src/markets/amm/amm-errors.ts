import { domainError } from '../../common/errors/domain-error';

/**
 * Errors of the pure market maker. They extend DomainError (a plain class without Nest imports) so the
 * global filter answers them as 4xx with a stable `error` name and the service need not translate them.
 */

/** Market parameters that cannot make a market: outcome count, subsidy, initial probabilities. */
export class InvalidMarketParameters extends domainError(400, 'InvalidMarketParameters') {}

/** A trade request the maker cannot price: non-positive amount, unknown outcome, bad fee schedule. */
export class InvalidTradeInput extends domainError(400, 'InvalidTradeInput') {}

/** Selling more shares of an outcome than are outstanding. */
export class InsufficientShares extends domainError(422, 'InsufficientShares') {}

/** A trade so small that, rounded in the pool's favour, it would buy no share or pay nothing. */
export class TradeTooSmall extends domainError(422, 'TradeTooSmall') {}

/** A trade so large relative to the market's liquidity that exp() would leave the supported range. */
export class TradeTooLarge extends domainError(422, 'TradeTooLarge') {}

/** The fill is worse than the client's `minShares` / `minProceeds`; nothing moves. */
export class PriceMovedBeyondSlippage extends domainError(422, 'PriceMovedBeyondSlippage') {}

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
