import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

export const REQUEST_ID_HEADER = 'x-request-id';
// Accept a caller's id only if it is short and printable, so it is safe to log and echo.
const ACCEPTABLE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestIdOf(request: Request): string {
  return (request as Request & { id?: string }).id ?? 'unknown';
}

/** Takes `X-Request-Id` from the request when present (else a UUID) and echoes it on every response. */
export function requestIdMiddleware(request: Request, response: Response, next: NextFunction): void {
  const incoming = request.header(REQUEST_ID_HEADER);
  const id = incoming && ACCEPTABLE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
  (request as Request & { id?: string }).id = id;
  response.setHeader('X-Request-Id', id);
  next();
}
