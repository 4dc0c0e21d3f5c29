/**
 * One notification per user and cause: the `key` column is unique, so a cause handled twice (a job rerun, an
 * event delivered again) inserts nothing the second time. Every key names its cause and the user.
 */
export const notificationKeys = {
  marketSettled: (marketId: string, userId: string) => `market-settled:${marketId}:${userId}`,
  dividendPaid: (creatorId: string, period: string, userId: string) => `dividend:${creatorId}:${period}:${userId}`,
  /** A position closes once: by the user, or by one trigger. */
  perpTrigger: (positionId: string) => `perp-trigger:${positionId}`,
  withdrawal: (withdrawalId: string, status: string) => `withdrawal:${withdrawalId}:${status}`,
  roundPayout: (roundId: string, userId: string) => `round-payout:${roundId}:${userId}`,
  broadcast: (broadcastId: string, userId: string) => `broadcast:${broadcastId}:${userId}`,
};

/** The digest job of a user for the window ending at `windowEnd`: one job per user and window. */
export function digestJobId(userId: string, windowEnd: Date): string {
  return `digest-${userId}-${windowEnd.getTime()}`;
}
