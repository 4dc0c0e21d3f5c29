import { applyDecorators, UseInterceptors } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';
import { ApiErrors } from '../http/api-errors.decorator';
import { IDEMPOTENCY_KEY_HEADER, IdempotencyInterceptor } from './idempotency.interceptor';

/**
 * Opt a money-moving endpoint into `Idempotency-Key`: a retry with the same key and body (per caller,
 * for at least 24 h) gets the first response again with `Idempotent-Replayed: true` and runs nothing;
 * the same key with another body is 422 `IdempotencyKeyMismatch`; while the first is still running, 409.
 */
export function Idempotent(): MethodDecorator & ClassDecorator {
  return applyDecorators(
    UseInterceptors(IdempotencyInterceptor),
    ApiHeader({
      name: IDEMPOTENCY_KEY_HEADER,
      required: false,
      description: '1–255 characters, unique per intended operation; a retry with the same key and body returns the first response',
      schema: { type: 'string', minLength: 1, maxLength: 255, example: '2f1d5c9e-withdraw-1' },
    }),
    ApiErrors(
      {
        status: 409,
        error: 'IdempotencyKeyInFlight',
        message: 'A request with this Idempotency-Key is still in progress; retry later',
        description: 'the first request with this key has not finished',
      },
      {
        status: 422,
        error: 'IdempotencyKeyMismatch',
        message: 'Idempotency-Key was already used with a different request',
        description: 'this key was used with another body',
      },
    ),
  );
}
