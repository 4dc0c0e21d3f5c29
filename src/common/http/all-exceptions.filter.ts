import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { dependencyOutageMessage, dependencyOutageOf } from '../errors/dependency-outage';
import { DomainError } from '../errors/domain-error';
import { ErrorBody } from './error-body';
import { requestIdOf } from './request-id.middleware';

const REASON_PHRASES: Record<number, string> = Object.fromEntries(
  Object.entries(HttpStatus)
    .filter(([, code]) => typeof code === 'number')
    .map(([name, code]) => [code as number, name.toLowerCase().replace(/(^|_)([a-z])/g, (_m, _s, c: string) => c.toUpperCase())]),
);

function fromHttpException(exception: HttpException): Omit<ErrorBody, 'requestId'> {
  const statusCode = exception.getStatus();
  const response = exception.getResponse();
  const fallbackError = REASON_PHRASES[statusCode] ?? 'Error';
  if (typeof response === 'string') return { statusCode, error: fallbackError, message: response };
  const body = response as { error?: string; message?: string | string[]; details?: unknown };
  const message = Array.isArray(body.message) ? body.message.join('; ') : (body.message ?? exception.message);
  return {
    statusCode,
    error: typeof body.error === 'string' ? body.error.replace(/\s+/g, '') : fallbackError,
    message,
    ...(body.details !== undefined ? { details: body.details } : Array.isArray(body.message) ? { details: body.message } : {}),
  };
}

export type ErrorAnswer = Omit<ErrorBody, 'requestId'>;

/** The answer for an error a client caused (or any HttpException); undefined for a bug (answered 500). */
export function errorAnswerOf(exception: unknown): ErrorAnswer | undefined {
  if (exception instanceof DomainError) {
    return {
      statusCode: exception.status,
      error: exception.error,
      message: exception.message,
      ...(exception.details !== undefined ? { details: exception.details } : {}),
    };
  }
  if (exception instanceof HttpException) return fromHttpException(exception);
  if (isBodyParserError(exception)) return { statusCode: exception.status, error: REASON_PHRASES[exception.status] ?? 'BadRequest', message: exception.message };
  const outage = dependencyOutageOf(exception);
  // Not a bug: Redis or PostgreSQL is out (or cut this request's connection); a retry later succeeds.
  if (outage) return { statusCode: 503, error: 'ServiceUnavailable', message: dependencyOutageMessage(outage), details: { dependency: outage.dependency, retryable: true } };
  return undefined;
}

/** Answers every error as `{statusCode, error, message, details?, requestId}`; only bugs become 500s. */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    this.respond(exception, host.switchToHttp().getRequest<Request>(), host.switchToHttp().getResponse<Response>());
  }

  /** Also called by plain Express handlers (outside Nest's routing), so they answer the same shape. */
  respond(exception: unknown, request: Request, response: Response): void {
    const requestId = requestIdOf(request);

    let body = errorAnswerOf(exception);
    const outage = body?.statusCode === 503 ? dependencyOutageOf(exception) : undefined;
    if (outage) {
      this.logger.warn({ message: `${outage.dependency} unavailable: ${outage.reason}`, requestId, method: request.method, path: request.originalUrl, dependency: outage.dependency });
    }
    if (!body) {
      this.logger.error({ requestId, method: request.method, path: request.originalUrl, err: exception }, (exception as Error)?.stack);
      body = { statusCode: 500, error: 'InternalServerError', message: 'Internal server error' };
    }

    if (response.headersSent) return;
    response.status(body.statusCode).json({ ...body, requestId });
  }
}

function isBodyParserError(exception: unknown): exception is { status: number; message: string } {
  const candidate = exception as { status?: unknown; type?: unknown };
  return typeof candidate?.status === 'number' && candidate.status >= 400 && candidate.status < 500 && typeof candidate.type === 'string';
}
