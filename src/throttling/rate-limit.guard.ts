import { ExecutionContext, Injectable, Logger } from '@nestjs/common';
import { ThrottlerGuard, ThrottlerLimitDetail, ThrottlerRequest } from '@nestjs/throttler';
import type { Request } from 'express';
import { dependencyOutageOf } from '../common/errors/dependency-outage';
import { TooManyRequests } from '../common/errors/domain-error';
import { RATE_LIMIT_BUCKET, RateLimitBucket } from './rate-limit.decorators';

/**
 * Buckets that refuse (503) rather than let requests through uncounted while the counters' Redis is out: sign-in
 * requests are what the limit protects against (nonce floods, magic-link emails to anyone). The per-user limit and
 * refreshes go uncounted meanwhile, so reads that need only PostgreSQL keep working.
 */
const CLOSED_WITHOUT_REDIS: ReadonlySet<RateLimitBucket> = new Set(['sign-in']);
/** At most one "counting without Redis" warning per this long. */
const OPEN_WARNING_EVERY_MS = 10_000;

/** What a client is told it sent too many of, per bucket. */
const TOO_MANY: Record<RateLimitBucket, string> = {
  default: 'Too many requests',
  'sign-in': 'Too many sign-in requests from this IP',
  refresh: 'Too many token refreshes from this IP',
};

/**
 * One throttler per bucket (see `RATE_LIMIT_BUCKETS`); a route counts only in its own bucket, so
 * refreshing tokens never uses up sign-in attempts and neither touches the per-user limit. Runs after
 * the auth guard, so `request.user` is known. Over a limit: 429 in the standard error body with
 * `Retry-After` and the bucket in `details`. Health, readiness and metrics are not limited (probes
 * poll them), nor are sockets.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  private readonly outageLogger = new Logger('RateLimits');
  private lastOpenWarningAt = 0;

  /** HTTP only: global guards also run on Socket.IO handlers, which the realtime gateway limits itself. */
  protected override async shouldSkip(context: ExecutionContext): Promise<boolean> {
    return context.getType() !== 'http';
  }

  protected override async handleRequest(props: ThrottlerRequest): Promise<boolean> {
    const request = props.context.switchToHttp().getRequest<Request>();
    // Express matches routes case-insensitively, so `/API/v1/...` reaches the same handlers.
    if (!request.originalUrl.toLowerCase().startsWith('/api/')) return true;
    if (this.bucketOf(props.context) !== props.throttler.name) return true;
    try {
      // Sign-in and refresh count per IP: a bearer token of a throwaway account must not buy a fresh bucket.
      if (props.throttler.name !== 'default') return await super.handleRequest({ ...props, getTracker: async (req) => `ip:${await super.getTracker(req)}` });
      return await super.handleRequest(props);
    } catch (error) {
      const outage = dependencyOutageOf(error);
      // A refused sign-in bucket answers 503 through the global filter.
      if (!outage || CLOSED_WITHOUT_REDIS.has(props.throttler.name as RateLimitBucket)) throw error;
      if (Date.now() - this.lastOpenWarningAt > OPEN_WARNING_EVERY_MS) {
        this.lastOpenWarningAt = Date.now();
        this.outageLogger.warn(`rate limit "${props.throttler.name}" not counted, ${outage.dependency} unavailable: ${outage.reason}`);
      }
      return true;
    }
  }

  private bucketOf(context: ExecutionContext): RateLimitBucket {
    return this.reflector.getAllAndOverride<RateLimitBucket | undefined>(RATE_LIMIT_BUCKET, [context.getHandler(), context.getClass()]) ?? 'default';
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
    const bucket = this.bucketOf(context);
    throw new TooManyRequests(`${TOO_MANY[bucket]}: at most ${detail.limit} per ${Math.round(detail.ttl / 1000)} s; retry in ${retryAfterSeconds} s`, {
      bucket,
      limit: detail.limit,
      windowSeconds: Math.round(detail.ttl / 1000),
      retryAfterSeconds,
    });
  }
}
