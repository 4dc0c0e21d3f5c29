import { SetMetadata } from '@nestjs/common';

export const AUTH_RATE_LIMIT = 'throttling:auth';

/** Sign-in routes: counted per client IP against RATE_LIMIT_AUTH_PER_MINUTE instead of the per-user limit. */
export const AuthRateLimit = () => SetMetadata(AUTH_RATE_LIMIT, true);
