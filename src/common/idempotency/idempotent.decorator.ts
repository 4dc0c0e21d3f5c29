import { applyDecorators, UseInterceptors } from '@nestjs/common';
import { ApiConflictResponse, ApiHeader } from '@nestjs/swagger';
import { ErrorBody } from '../http/error-body';
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
    ApiConflictResponse({ type: ErrorBody, description: 'IdempotencyKeyInFlight: the first request with this key has not finished' }),
  );
}
