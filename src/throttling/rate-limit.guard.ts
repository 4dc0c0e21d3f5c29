import { ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard, ThrottlerLimitDetail, ThrottlerRequest } from '@nestjs/throttler';
import type { Request } from 'express';
import { TooManyRequests } from '../common/errors/domain-error';
import { AUTH_RATE_LIMIT } from './rate-limit.decorators';

export const AUTH_THROTTLER = 'auth';
export const DEFAULT_THROTTLER = 'default';

/**
 * Two limits: `@AuthRateLimit()` routes count per client IP under the `auth` throttler; every
 * other API route counts per signed-in user (per IP when anonymous) under `default`. Runs after
 * the auth guard, so `request.user` is known. Over the limit: 429 in the standard error body with
 * `Retry-After`. Health, readiness and metrics are not limited (probes poll them), nor are sockets.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  /** HTTP only: global guards also run on Socket.IO handlers, which the realtime gateway limits itself. */
  protected override async shouldSkip(context: ExecutionContext): Promise<boolean> {
    return context.getType() !== 'http';
  }

  protected override async handleRequest(props: ThrottlerRequest): Promise<boolean> {
    const request = props.context.switchToHttp().getRequest<Request>();
    // Express matches routes case-insensitively, so `/API/v1/...` reaches the same handlers.
    if (!request.originalUrl.toLowerCase().startsWith('/api/')) return true;
    const authRoute = this.reflector.getAllAndOverride<boolean>(AUTH_RATE_LIMIT, [props.context.getHandler(), props.context.getClass()]) ?? false;
    if (authRoute !== (props.throttler.name === AUTH_THROTTLER)) return true;
    // Auth routes always count per IP: a bearer token of a throwaway account must not buy a fresh bucket.
    if (authRoute) return super.handleRequest({ ...props, getTracker: async (req) => `ip:${await super.getTracker(req)}` });
    return super.handleRequest(props);
  }

  protected override async getTracker(request: Record<string, unknown>): Promise<string> {
    const user = request.user as { id?: string } | undefined;
    return user?.id ? `user:${user.id}` : `ip:${await super.getTracker(request)}`;
  }

  /** One counter per tracker across all routes (the default counts each route separately). */
  protected override generateKey(_context: ExecutionContext, tracker: string): string {
    return tracker;
  }

  protected override async throwThrottlingException(context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    const retryAfterSeconds = Math.max(1, detail.timeToBlockExpire);
    context.switchToHttp().getResponse<{ setHeader(name: string, value: string): void }>().setHeader('Retry-After', String(retryAfterSeconds));
    throw new TooManyRequests(`Too many requests: at most ${detail.limit} per ${Math.round(detail.ttl / 1000)} s; retry in ${retryAfterSeconds} s`, {
      limit: detail.limit,
      windowSeconds: Math.round(detail.ttl / 1000),
      retryAfterSeconds,
    });
  }
}
