export interface BackoffPolicy {
  /** Delay before the first retry, before jitter. */
  initialMs: number;
  /** Cap of the exponential part. */
  maxMs: number;
}

export const DEFAULT_RECONNECT_BACKOFF: BackoffPolicy = { initialMs: 500, maxMs: 30_000 };

/**
 * Delay before reconnect attempt `attempt` (0 for the first): exponential (`initialMs · 2^attempt`,
 * capped at `maxMs`) with "equal jitter": half of it fixed, half uniform at random, so a fleet of
 * clients dropped at once does not reconnect in lockstep and none retries in a tight loop.
 * `random` is uniform in [0, 1) (Math.random in production, fixed in tests).
 */
export function backoffDelay(attempt: number, policy: BackoffPolicy = DEFAULT_RECONNECT_BACKOFF, random: () => number = Math.random): number {
  const exponent = Math.min(Math.max(0, Math.floor(attempt)), 30);
  const ceiling = Math.min(policy.maxMs, policy.initialMs * 2 ** exponent);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
