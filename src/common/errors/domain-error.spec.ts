import { RoundNotEnded, RoundNotFound, SideBetAlreadyActive } from '../../rounds/round-errors';
import { MarketClosed } from '../../markets/market-errors';
import { Conflict, domainError, DomainError, IdempotencyKeyMismatch, InvalidField, NotFound } from './domain-error';

describe('domainError', () => {
  it('keeps each error its class, stable name and status', () => {
    const error = new RoundNotFound('r-1');
    expect(error).toBeInstanceOf(RoundNotFound);
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(NotFound);
    expect(error.name).toBe('RoundNotFound');
    expect(RoundNotFound.name).toBe('RoundNotFound');
    expect(error).toMatchObject({ status: 404, error: 'RoundNotFound', message: 'Round r-1 not found', details: undefined });
    expect(RoundNotFound.status).toBe(404);
    expect(RoundNotFound.error).toBe('RoundNotFound');
  });

  it('takes (message, details?) when no description is given', () => {
    expect(new MarketClosed('closed', { closesAt: 'then' })).toMatchObject({ status: 422, error: 'MarketClosed', message: 'closed', details: { closesAt: 'then' } });
    expect(new Conflict('busy').details).toBeUndefined();
  });

  it('words message and details from the constructor arguments', () => {
    expect(new SideBetAlreadyActive().message).toBe('You already have an unresolved side bet in this round');
    expect(new IdempotencyKeyMismatch()).toMatchObject({ status: 422, error: 'IdempotencyKeyMismatch' });
    expect(new RoundNotEnded('ACTIVE')).toMatchObject({ status: 409, details: { status: 'ACTIVE', expected: ['ENDED', 'SETTLED'] } });
    expect(new InvalidField('amount', 'must be positive')).toMatchObject({
      status: 400,
      error: 'ValidationFailed',
      message: 'amount must be positive',
      details: [{ field: 'amount', messages: ['amount must be positive'] }],
    });
  });

  it('makes a class of its own on each call', () => {
    class First extends domainError(418, 'First') {}
    class Second extends domainError(418, 'Second') {}
    expect(new First('x')).not.toBeInstanceOf(Second);
  });
});
