import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { createHash } from 'node:crypto';
import type { Request, Response } from 'express';
import { catchError, from, mergeMap, Observable, of, throwError } from 'rxjs';
import { InvalidField } from '../errors/domain-error';
import { IdempotencyService } from './idempotency.service';

export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';
export const IDEMPOTENT_REPLAYED_HEADER = 'Idempotent-Replayed';

/** JSON with object keys sorted, so the same body hashes the same whatever order a client sends. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export function requestFingerprint(method: string, url: string, body: unknown): string {
  return createHash('sha256').update(`${method} ${url}\n${canonicalJson(body ?? null)}`).digest('hex');
}

/** See `@Idempotent()`. */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(private readonly idempotency: IdempotencyService) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const request = context.switchToHttp().getRequest<Request & { user?: { id: string } }>();
    const response = context.switchToHttp().getResponse<Response>();
    const key = request.header(IDEMPOTENCY_KEY_HEADER);
    if (key === undefined) return next.handle();
    if (key.length < 1 || key.length > 255) throw new InvalidField(IDEMPOTENCY_KEY_HEADER, 'must be 1 to 255 characters');

    const scope = request.user?.id ?? 'anonymous';
    const fingerprint = requestFingerprint(request.method, request.originalUrl, request.body);
    return from(this.idempotency.begin(scope, key, fingerprint)).pipe(
      mergeMap((outcome) => {
        if (outcome.kind === 'replay') {
          response.status(outcome.status);
          response.setHeader(IDEMPOTENT_REPLAYED_HEADER, 'true');
          return of(outcome.body);
        }
        return next.handle().pipe(
          // The handler failed, so nothing was committed: free the key for a retry.
          catchError((error: unknown) => from(this.idempotency.release(scope, key)).pipe(mergeMap(() => throwError(() => error)))),
          // The handler's work is committed. If storing its response fails, the key stays in flight
          // (a retry gets 409 until it expires) rather than being freed to run the work twice.
          mergeMap(async (body: unknown) => {
            await this.idempotency.complete(scope, key, response.statusCode, body);
            return body;
          }),
        );
      }),
    );
  }
}
