/**
 * Business rule violations thrown by services. The global filter maps them to HTTP by `status`,
 * and `error` is the stable machine-readable name clients switch on (`InsufficientFunds`, ...).
 */
export class DomainError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = error;
  }
}

/** What an error's constructor arguments say: the message alone, or the message and `details`. */
export type ErrorDescription = string | { message: string; details?: unknown };

/** A DomainError class of one fixed status and name, which it also carries statically (`RoundNotFound.status`). */
export interface DomainErrorClass<Args extends unknown[]> {
  new (...args: Args): DomainError;
  readonly status: number;
  readonly error: string;
}

/**
 * The base of one named domain error, so each is a single line that keeps its own class (for imports and
 * `instanceof`): `class RoundNotFound extends domainError(404, 'RoundNotFound', (id: string) => \`Round ${id} not found\`) {}`.
 * Without `describe` the constructor takes `(message, details?)`.
 */
export function domainError(status: number, error: string): DomainErrorClass<[message: string, details?: unknown]>;
export function domainError<Args extends unknown[]>(status: number, error: string, describe: (...args: Args) => ErrorDescription): DomainErrorClass<Args>;
export function domainError(status: number, error: string, describe?: (...args: unknown[]) => ErrorDescription): DomainErrorClass<unknown[]> {
  const describeArgs = describe ?? ((message: unknown, details?: unknown) => ({ message: message as string, details }));
  return class extends DomainError {
    static readonly status = status;
    static readonly error = error;

    constructor(...args: unknown[]) {
      const description = describeArgs(...args);
      const { message, details } = typeof description === 'string' ? { message: description, details: undefined } : description;
      super(status, error, message, details);
    }
  };
}

export class NotFound extends domainError(404, 'NotFound') {}

export class Conflict extends domainError(409, 'Conflict') {}

/** A 422 whose name the caller picks. */
export class UnprocessableEntity extends DomainError {
  constructor(error: string, message: string, details?: unknown) {
    super(422, error, message, details);
  }
}

export class Unauthorized extends domainError(401, 'Unauthorized', (message: string) => message) {}

export class Forbidden extends domainError(403, 'Forbidden', (message: string) => message) {}

export class TooManyRequests extends domainError(429, 'TooManyRequests') {}

/** A request field the DTO could not judge alone (e.g. decimals allowed by the asset); same shape as the ValidationPipe's 400. */
export class InvalidField extends domainError(400, 'ValidationFailed', (field: string, problem: string) => ({
  message: `${field} ${problem}`,
  details: [{ field, messages: [`${field} ${problem}`] }],
})) {}

export class InsufficientFunds extends domainError(422, 'InsufficientFunds') {}

/** The same Idempotency-Key was sent with a different request. */
export class IdempotencyKeyMismatch extends domainError(422, 'IdempotencyKeyMismatch', () => 'Idempotency-Key was already used with a different request') {}

/** The first request with this Idempotency-Key has not finished yet. */
export class IdempotencyKeyInFlight extends domainError(409, 'IdempotencyKeyInFlight', () => 'A request with this Idempotency-Key is still in progress; retry later') {}
