/**
 * Errors that say a backing service is out (Redis unreachable, a PostgreSQL connection cut), not that the request
 * or the code is wrong: answered 503 ServiceUnavailable, retryable, instead of a 500. Recognised by shape (ioredis
 * and node-postgres errors, TypeORM's QueryFailedError copying the driver's `code`), so `common` imports neither.
 */
export type Dependency = 'redis' | 'database';

export interface DependencyOutage {
  dependency: Dependency;
  /** The client library's own words, for the log and the answer. */
  reason: string;
}

/** ioredis: a command given up after its reconnect attempts, over REDIS_COMMAND_TIMEOUT_MS, or on a closed connection. */
const REDIS_UNAVAILABLE = [
  /^Reached the max retries per request limit/,
  /^Command timed out/,
  /^Connection is closed\.?$/,
  /^Stream isn't writeable/,
  /^(LOADING|MASTERDOWN|CLUSTERDOWN|TRYAGAIN)\b/,
];

/**
 * SQLSTATE classes and codes of a connection that failed or was terminated: class 08 (connection exception),
 * 57P01 admin_shutdown (pg_terminate_backend, a server shutting down), 57P02 crash_shutdown, 57P03 cannot_connect_now.
 */
const PG_CONNECTION_CODE = /^(08...|57P0[123])$/;
/** node-postgres without a SQLSTATE: the socket went away under a query, or the pool could not connect in time. */
const PG_CONNECTION_MESSAGE = [
  /^Connection terminated/,
  /^Client has encountered a connection error and is not queryable/,
  /^timeout exceeded when trying to connect/,
  /^Client was closed and is not queryable/,
];

const SOCKET_ERROR_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH']);

/**
 * TypeORM releases a query runner by itself when its connection emits an error (a terminated backend), so the
 * transaction's next statement (often COMMIT or ROLLBACK) fails with these instead of the pg error.
 */
const RELEASED_BY_CONNECTION_ERROR = new Set(['QueryRunnerAlreadyReleasedError', 'QueryRunnerProviderAlreadyReleasedError']);

export function dependencyOutageOf(error: unknown): DependencyOutage | undefined {
  if (!(error instanceof Error)) return undefined;
  const code = (error as { code?: unknown }).code;
  if (error.name === 'MaxRetriesPerRequestError' || error.name === 'RedisNotReady' || error.name === 'RedisCallTimedOut' || REDIS_UNAVAILABLE.some((pattern) => pattern.test(error.message))) {
    return { dependency: 'redis', reason: error.message };
  }
  if (
    (typeof code === 'string' && PG_CONNECTION_CODE.test(code)) ||
    PG_CONNECTION_MESSAGE.some((pattern) => pattern.test(error.message)) ||
    RELEASED_BY_CONNECTION_ERROR.has(error.name)
  ) {
    return { dependency: 'database', reason: error.message };
  }
  // A socket error under a query (TypeORM's QueryFailedError carries the query): the database connection broke.
  if (typeof code === 'string' && SOCKET_ERROR_CODES.has(code) && 'query' in error) return { dependency: 'database', reason: error.message };
  const driverError = (error as { driverError?: unknown }).driverError;
  if (driverError && driverError !== error) return dependencyOutageOf(driverError);
  return undefined;
}

const WHAT: Record<Dependency, string> = { redis: 'Redis', database: 'The database' };

/**
 * The message a client reads: what is out and that a retry is safe. A connection cut during COMMIT leaves the
 * outcome unknown to the server too, so it does not promise "nothing was done": the same Idempotency-Key does.
 */
export function dependencyOutageMessage(outage: DependencyOutage): string {
  return `${WHAT[outage.dependency]} is unavailable right now; retry shortly (a retry with the same Idempotency-Key is applied at most once)`;
}
