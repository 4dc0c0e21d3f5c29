import { MaxRetriesPerRequestError } from 'ioredis/built/errors';
import { QueryFailedError, QueryRunnerAlreadyReleasedError, QueryRunnerProviderAlreadyReleasedError } from 'typeorm';
import { RedisNotReady } from '../../redis/redis-ready';
import { errorAnswerOf } from '../http/all-exceptions.filter';
import { dependencyOutageOf } from './dependency-outage';
import { UnprocessableEntity } from './domain-error';

/** A node-postgres error as the driver throws it: `code` is the SQLSTATE. */
function pgError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code, severity: 'FATAL' });
}

const queryFailed = (driverError: Error) => new QueryFailedError('INSERT INTO withdrawals ...', [], driverError);

describe('dependencyOutageOf', () => {
  it.each([
    ['ioredis giving a command up after its reconnects', new MaxRetriesPerRequestError(3)],
    ['a Redis command over REDIS_COMMAND_TIMEOUT_MS', new Error('Command timed out')],
    ['a command on a closed Redis connection', new Error('Connection is closed.')],
    ['the shared connection reconnecting', new RedisNotReady('reconnecting')],
    ['a Redis replica still loading its data', new Error('LOADING Redis is loading the dataset in memory')],
  ])('knows Redis is out: %s', (_what, error) => {
    expect(dependencyOutageOf(error)).toEqual({ dependency: 'redis', reason: (error as Error).message });
  });

  it.each([
    ['pg_terminate_backend (57P01) under a query', queryFailed(pgError('57P01', 'terminating connection due to administrator command'))],
    ['a connection exception (class 08)', queryFailed(pgError('08006', 'connection failure'))],
    ['a server not accepting connections yet (57P03)', pgError('57P03', 'the database system is starting up')],
    ['the socket gone under a query', queryFailed(new Error('Connection terminated unexpectedly'))],
    ['a reset socket under a query', queryFailed(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }))],
    ['the pool unable to connect in time', new Error('timeout exceeded when trying to connect')],
    ['a statement on a runner TypeORM released when its connection failed', new QueryRunnerAlreadyReleasedError()],
    ['a manager whose runner was released that way', new QueryRunnerProviderAlreadyReleasedError()],
  ])('knows the database connection is out: %s', (_what, error) => {
    expect(dependencyOutageOf(error)?.dependency).toBe('database');
  });

  it.each([
    ['a unique violation', queryFailed(pgError('23505', 'duplicate key value violates unique constraint'))],
    ['a check violation', queryFailed(pgError('23514', 'new row violates check constraint'))],
    ['a lock timeout', queryFailed(pgError('55P03', 'canceling statement due to lock timeout'))],
    ['a plain bug', new TypeError("Cannot read properties of undefined (reading 'id')")],
    ['a reset socket that is not a query (e.g. an RPC call)', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })],
    ['a domain error', new UnprocessableEntity('InsufficientFunds', 'not enough')],
    ['not an Error', 'Connection is closed.'],
  ])('leaves everything else alone: %s', (_what, error) => {
    expect(dependencyOutageOf(error)).toBeUndefined();
  });
});

describe('errorAnswerOf a dependency outage', () => {
  it('is a retryable 503 ServiceUnavailable naming what is out, not a 500', () => {
    expect(errorAnswerOf(new MaxRetriesPerRequestError(3))).toEqual({
      statusCode: 503,
      error: 'ServiceUnavailable',
      message: expect.stringMatching(/^Redis is unavailable right now; retry shortly/),
      details: { dependency: 'redis', retryable: true },
    });
    expect(errorAnswerOf(queryFailed(pgError('57P01', 'terminating connection due to administrator command')))).toMatchObject({
      statusCode: 503,
      error: 'ServiceUnavailable',
      message: expect.stringMatching(/^The database is unavailable right now/),
      details: { dependency: 'database', retryable: true },
    });
  });

  it('still answers a bug with nothing (the filter makes it a 500)', () => {
    expect(errorAnswerOf(new TypeError('boom'))).toBeUndefined();
  });
});
