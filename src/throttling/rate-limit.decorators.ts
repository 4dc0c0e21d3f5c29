import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiErrors } from '../common/http/api-errors.decorator';

/**
 * The counter a route's requests go to. Each API route counts in exactly one bucket:
 * - `default`: every route without a decorator, per signed-in user (per client IP when anonymous),
 *   RATE_LIMIT_PER_MINUTE;
 * - `sign-in`: nonces, proofs, email links and linking another sign-in method, per client IP,
 *   RATE_LIMIT_AUTH_PER_MINUTE;
 * - `refresh`: refresh-token rotation, per client IP, RATE_LIMIT_REFRESH_PER_MINUTE.
 */
export const RATE_LIMIT_BUCKETS = ['default', 'sign-in', 'refresh'] as const;
export type RateLimitBucket = (typeof RATE_LIMIT_BUCKETS)[number];

export const RATE_LIMIT_BUCKET = 'throttling:bucket';

/** A route counted in `bucket`, per client IP, with the 429 it answers documented. */
function perIpRateLimit(bucket: Exclude<RateLimitBucket, 'default'>, counted: string, setting: string) {
  return applyDecorators(
    SetMetadata(RATE_LIMIT_BUCKET, bucket),
    ApiErrors({
      status: 429,
      error: 'TooManyRequests',
      message: `Too many ${counted} from this IP: at most 60 per 60 s; retry in 12 s`,
      details: { bucket, limit: 60, windowSeconds: 60, retryAfterSeconds: 12 },
      description: `over ${setting} for this IP; see \`Retry-After\``,
    }),
  );
}

/** Sign-in attempts: counted per client IP, whatever token the request carries. */
export const SignInRateLimit = () => perIpRateLimit('sign-in', 'sign-in requests', 'RATE_LIMIT_AUTH_PER_MINUTE sign-in requests');

/** Token refreshes: counted per client IP, apart from sign-in attempts. */
export const RefreshRateLimit = () => perIpRateLimit('refresh', 'token refreshes', 'RATE_LIMIT_REFRESH_PER_MINUTE refreshes');
