import { EnvReader } from './env-parsers';

/** Per-user notifications and their email digests (src/notifications). */
export interface NotificationSettings {
  /** At most one digest mail per user per this many milliseconds (NOTIFICATION_EMAIL_DIGEST_MINUTES, fractions allowed for tests). */
  emailDigestMs: number;
  /** Users given an admin broadcast per transaction of the broadcast job. */
  broadcastBatchSize: number;
  /**
   * From this many notifications in one cause's transaction they go through the outbox (one row with the cause,
   * created by a job) instead of as rows, so a settlement or dividend batch of 1,000 holders stays fast.
   */
  outboxFrom: number;
}

const MAX_DIGEST_MINUTES = 7 * 24 * 60;

export function readNotificationSettings(read: EnvReader): NotificationSettings {
  const minutesText = read.string('NOTIFICATION_EMAIL_DIGEST_MINUTES', '15');
  const minutes = /^\d+(\.\d+)?$/.test(minutesText) ? Number(minutesText) : NaN;
  if (!(minutes > 0 && minutes <= MAX_DIGEST_MINUTES)) {
    read.problems.push(`NOTIFICATION_EMAIL_DIGEST_MINUTES must be a number of minutes above 0 and at most ${MAX_DIGEST_MINUTES} (got "${minutesText}")`);
  }
  return {
    emailDigestMs: Math.round((minutes > 0 ? minutes : 15) * 60_000),
    broadcastBatchSize: read.integer('NOTIFICATION_BROADCAST_BATCH_SIZE', 1000, { min: 1, max: 10_000 }),
    outboxFrom: read.integer('NOTIFICATION_OUTBOX_FROM', 100, { min: 1, max: 1_000_000 }),
  };
}
