import { Logger } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import type { Logger as PinoLogger } from 'pino';
import { RequestContext } from '../common/request-context';
import { requestIdOf } from '../common/http/request-id.middleware';

/** The route pattern Express matched (`/api/v1/markets/:id`), or `unmatched`: a bounded label, never the raw path. */
export function routeOf(request: Request): string {
  const route = (request.route as { path?: unknown } | undefined)?.path;
  return typeof route === 'string' ? `${request.baseUrl}${route}` : 'unmatched';
}

function userIdOf(request: Request): string | undefined {
  return (request as Request & { user?: { id?: string } }).user?.id;
}

/** Probes and scrapes answer every few seconds; their lines are debug, everything else info (5xx: error). */
const QUIET_PATHS = new Set(['/health', '/ready', '/metrics']);

export interface RequestLine {
  requestId: string;
  userId?: string;
  method: string;
  route: string;
  /** Without the query string, which may carry a token (the magic link). */
  path: string;
  status: number;
  durationMs: number;
}

/**
 * Runs the rest of the request inside its RequestContext, so logs, jobs and broadcasts it causes carry its id.
 * Registered after the body parsers: their stream callbacks would otherwise leave the context.
 */
export function requestContext() {
  return (request: Request, _response: Response, next: NextFunction): void => {
    RequestContext.run({ requestId: requestIdOf(request), userId: () => userIdOf(request) }, next);
  };
}

/** Writes one line per request when the response is finished or the client went away (status 499). */
export function logRequests(write: (line: RequestLine, level: 'debug' | 'info' | 'error', message: string) => void) {
  return (request: Request, response: Response, next: NextFunction): void => {
    const started = performance.now();
    const requestId = requestIdOf(request);
    let written = false;
    const done = () => {
      if (written) return;
      written = true;
      const status = response.writableFinished ? response.statusCode : 499;
      const line: RequestLine = {
        requestId,
        ...(userIdOf(request) ? { userId: userIdOf(request) } : {}),
        method: request.method,
        route: routeOf(request),
        path: request.path,
        status,
        durationMs: Math.round((performance.now() - started) * 10) / 10,
      };
      const level = status >= 500 ? 'error' : QUIET_PATHS.has(request.path) ? 'debug' : 'info';
      write(line, level, `${line.method} ${line.route} ${status} ${line.durationMs}ms`);
    };
    response.once('finish', done);
    response.once('close', done);
    next();
  };
}

/** JSON mode: the line's fields go to pino. */
export function pinoRequestLog(logger: PinoLogger) {
  const http = logger.child({ context: 'HTTP' });
  return logRequests((line, level, message) => http[level](line, message));
}

/**
 * Pretty mode (development, tests): a short human line through Nest's console logger, at `log` (probes at
 * `debug`) whatever the status: a 500 is logged with its stack by the exception filter already, and tests
 * (LOG_LEVEL warn) that provoke 503s stay quiet.
 */
export function consoleRequestLog() {
  const logger = new Logger('HTTP');
  return logRequests((line, level, message) => {
    const text = `${message} ${line.requestId}${line.userId ? ` user=${line.userId}` : ''}`;
    if (level === 'debug') logger.debug(text);
    else logger.log(text);
  });
}
