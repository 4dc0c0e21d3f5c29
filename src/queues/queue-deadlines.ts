/**
 * How long a job of each queue may wait before something is wrong: the `JobQueueOldestWaitingTooLong` alert
 * fires when `job_queue_oldest_waiting_seconds` passes `job_queue_deadline_seconds`. Each is well above
 * what the queue's work needs when healthy (a round settles in well under a second) and below the point
 * where users notice (a round's payout shown late, a withdrawal past WITHDRAWAL_DEADLINE_MS).
 */
export const QUEUE_DEADLINE_SECONDS: Readonly<Record<string, number>> = {
  'round-settlement': 60,
  'market-close': 120,
  'market-resolution': 300,
  withdrawals: 300,
  notifications: 120,
  'chain-settlement': 600,
  'ledger-reconciliation': 1200,
  dividends: 3600,
  backtests: 300,
};

/** A queue not named above. */
export const DEFAULT_QUEUE_DEADLINE_SECONDS = 300;

export function queueDeadlineSeconds(queue: string): number {
  return QUEUE_DEADLINE_SECONDS[queue] ?? DEFAULT_QUEUE_DEADLINE_SECONDS;
}
