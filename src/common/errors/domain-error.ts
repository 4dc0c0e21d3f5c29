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

export class NotFound extends DomainError {
  constructor(message: string, details?: unknown) {
    super(404, 'NotFound', message, details);
  }
}

export class Conflict extends DomainError {
  constructor(message: string, details?: unknown) {
    super(409, 'Conflict', message, details);
  }
}

export class UnprocessableEntity extends DomainError {
  constructor(error: string, message: string, details?: unknown) {
    super(422, error, message, details);
  }
}

export class Unauthorized extends DomainError {
  constructor(message: string) {
    super(401, 'Unauthorized', message);
  }
}

export class Forbidden extends DomainError {
  constructor(message: string) {
    super(403, 'Forbidden', message);
  }
}

export class TooManyRequests extends DomainError {
  constructor(message: string, details?: unknown) {
    super(429, 'TooManyRequests', message, details);
  }
}

/** A request field the DTO could not judge alone (e.g. decimals allowed by the asset); same shape as the ValidationPipe's 400. */
export class InvalidField extends DomainError {
  constructor(field: string, message: string) {
    super(400, 'ValidationFailed', `${field} ${message}`, [{ field, messages: [`${field} ${message}`] }]);
  }
}

export class InsufficientFunds extends DomainError {
  constructor(message: string, details?: unknown) {
    super(422, 'InsufficientFunds', message, details);
  }
}

/** The same Idempotency-Key was sent with a different request. */
export class IdempotencyKeyMismatch extends DomainError {
  constructor() {
    super(422, 'IdempotencyKeyMismatch', 'Idempotency-Key was already used with a different request');
  }
}

/** The first request with this Idempotency-Key has not finished yet. */
export class IdempotencyKeyInFlight extends DomainError {
  constructor() {
    super(409, 'IdempotencyKeyInFlight', 'A request with this Idempotency-Key is still in progress; retry later');
  }
}
