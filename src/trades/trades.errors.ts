import { domainError } from '../common/errors/domain-error';

/**
 * Perps venue errors. An unknown symbol, another user's position or order, or an id of nothing is 404 (the API
 * never tells who owns what); a state that does not take the command (closed position, order no longer open,
 * halted symbol) is 409; a request the rules refuse (leverage, margin, trigger placement, slippage) is 422.
 */
export class PositionNotFound extends domainError(404, 'PositionNotFound', (positionId: string) => `Position ${positionId} not found`) {}

export class OrderNotFound extends domainError(404, 'OrderNotFound', (orderId: string) => `Order ${orderId} not found`) {}

export class PositionClosed extends domainError(409, 'PositionClosed', (positionId: string) => `Position ${positionId} is already closed`) {}

export class OrderNotOpen extends domainError(409, 'OrderNotOpen', (orderId: string, status: string) => ({ message: `Order ${orderId} is ${status}`, details: { status } })) {}

/** An open position or order on a symbol no shard runs for (removed from PERP_SYMBOLS, not winding down): no leader would answer. */
export class SymbolNotTraded extends domainError(
  409,
  'SymbolNotTraded',
  (symbol: string) => `${symbol} is no longer traded (not in PERP_SYMBOLS); what is open on it waits until it is listed again`,
) {}

export class SymbolHalted extends domainError(409, 'SymbolHalted', (symbol: string) => `Trading ${symbol} is halted`) {}

export class LeverageOutOfRange extends domainError(422, 'LeverageOutOfRange', (message: string, details: { min: number; max: number }) => ({ message, details })) {}

export class MarginBelowMinimum extends domainError(422, 'MarginBelowMinimum', (minMargin: string) => ({ message: `margin must be at least ${minMargin} USDC`, details: { minMargin } })) {}

/** A stop-loss or take-profit on the wrong side of the price or of the liquidation price (the core's reason). */
export class InvalidTrigger extends domainError(422, 'InvalidTrigger', (reason: string) => reason) {}

/** A pending order's price that its type cannot wait for (a limit already crossed would be a market order). */
export class InvalidOrderPrice extends domainError(422, 'InvalidOrderPrice', (reason: string) => reason) {}

export class ExpiryInPast extends domainError(422, 'ExpiryInPast', () => 'expiresAt must be in the future') {}

/** The fill is worse than the quoted price by more than slippageBps. */
export class PriceMovedBeyondSlippage extends domainError(
  422,
  'PriceMovedBeyondSlippage',
  (details: { quotedPrice: string; fillPrice: string; slippageBps: number }) => ({
    message: `fill price ${details.fillPrice} is worse than the quoted ${details.quotedPrice} by more than ${details.slippageBps} bps`,
    details,
  }),
) {}
