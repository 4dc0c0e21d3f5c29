import type { Request, Response } from 'express';
import helmet from 'helmet';
import { securityHeaders } from './security-headers';

/** What a middleware leaves on a response that started with `X-Powered-By`. */
function headersAfter(middleware: (request: Request, response: Response, next: (error?: unknown) => void) => void, request: Partial<Request>): Record<string, string> {
  const headers: Record<string, string> = { 'X-Powered-By': 'Express' };
  const response = { setHeader: (name: string, value: string) => (headers[name] = value), removeHeader: (name: string) => delete headers[name] };
  let nexted = false;
  middleware(request as Request, response as unknown as Response, () => (nexted = true));
  expect(nexted).toBe(true);
  return headers;
}

describe('securityHeaders', () => {
  it('sets exactly what helmet() sets, for any request', () => {
    for (const request of [{ method: 'POST', url: '/api/v1/markets/x/buy', headers: {} }, { method: 'GET', url: '/docs', headers: { 'x-forwarded-proto': 'https' } }]) {
      const expected = headersAfter(helmet(), request);
      expect(headersAfter(securityHeaders(), request)).toEqual(expected);
      expect(expected['Content-Security-Policy']).toContain("default-src 'self'");
      expect(expected['X-Powered-By']).toBeUndefined();
    }
  });
});
