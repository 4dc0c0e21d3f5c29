import type { ApprovalStatus } from './admin-approval.entity';

/**
 * Expiry of four-eyes approvals, computed when an approval is read or decided (no sweeper): a PENDING approval
 * not decided within ADMIN_APPROVAL_TTL_MS of being asked is EXPIRED. It can no longer be approved (the world it
 * was asked about has moved on); it may still be rejected, and a new request for the same target replaces it.
 */

/** The instant a PENDING approval asked at `createdAt` lapses. */
export function approvalExpiresAt(createdAt: Date, ttlMs: number): Date {
  return new Date(createdAt.getTime() + ttlMs);
}

/** Approvals asked strictly before this instant have lapsed at `now` (createdAt + TTL < now). */
export function approvalExpiryCutoff(now: Date, ttlMs: number): Date {
  return new Date(now.getTime() - ttlMs);
}

/** The status a client sees: a stored PENDING past its TTL reads EXPIRED; every other status is as stored. */
export function effectiveApprovalStatus(row: { status: ApprovalStatus; createdAt: Date }, ttlMs: number, now: Date): ApprovalStatus {
  if (row.status !== 'PENDING') return row.status;
  return approvalExpiresAt(row.createdAt, ttlMs).getTime() < now.getTime() ? 'EXPIRED' : 'PENDING';
}
