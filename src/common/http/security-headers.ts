import type { NextFunction, Request, RequestHandler, Response } from 'express';
import helmet from 'helmet';

type HeaderStep = { set: string; value: string } | { remove: string };

/**
 * helmet()'s defaults as one middleware: helmet is twelve middlewares, each a router step per request, that set the
 * same static headers whatever the request (none of its defaults reads the request). What it does to a response is
 * recorded once at startup, on a stand-in response, and replayed per request; if the recording ever sees anything it
 * cannot replay (a step that depends on the request, an error), helmet itself runs instead.
 */
export function securityHeaders(): RequestHandler {
  const real = helmet();
  const steps: HeaderStep[] = [];
  let replayable = true;
  const standIn = {
    setHeader: (name: string, value: unknown) => {
      if (typeof value === 'string') steps.push({ set: name, value });
      else replayable = false;
    },
    removeHeader: (name: string) => steps.push({ remove: name }),
  };
  let nextCalled = false;
  const response = new Proxy(standIn, {
    get: (target, key) => {
      if (key in target) return target[key as keyof typeof target];
      replayable = false;
      return undefined;
    },
  });
  try {
    real({ method: 'GET', url: '/', headers: {} } as Request, response as unknown as Response, (error?: unknown) => {
      nextCalled = error === undefined;
    });
  } catch {
    return real;
  }
  if (!replayable || !nextCalled || steps.length === 0) return real;
  return (_request: Request, response: Response, next: NextFunction) => {
    for (const step of steps) {
      if ('set' in step) response.setHeader(step.set, step.value);
      else response.removeHeader(step.remove);
    }
    next();
  };
}
