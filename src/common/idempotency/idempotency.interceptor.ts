import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { createHash } from 'node:crypto';
import type { Request, Response } from 'express';
import { from, lastValueFrom, map, Observable } from 'rxjs';
import { InvalidField } from '../errors/domain-error';
import { requestIdOf } from '../http/request-id.middleware';
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

    const record = { scope: request.user?.id ?? 'anonymous', key, requestHash: requestFingerprint(request.method, request.originalUrl, request.body) };
    const handle = () => lastValueFrom(next.handle(), { defaultValue: undefined });
    return from(this.idempotency.execute(record, handle, () => response.statusCode)).pipe(
      map((answer) => {
        if (!answer.replayed) return answer.body;
        response.status(answer.status);
        response.setHeader(IDEMPOTENT_REPLAYED_HEADER, 'true');
        // A stored error carries the requestId of the request that caused it; the replay answers with its own.
        return answer.status >= 400 ? { ...(answer.body as object), requestId: requestIdOf(request) } : answer.body;
      }),
    );
  }
}
