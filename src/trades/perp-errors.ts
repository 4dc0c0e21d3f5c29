import { domainError } from '../common/errors/domain-error';

/** A symbol the perps catalogue does not list. */
export class UnknownSymbol extends domainError(404, 'UnknownSymbol', (symbol: string) => ({ message: `Unknown perp symbol ${symbol}`, details: { symbol } })) {}
