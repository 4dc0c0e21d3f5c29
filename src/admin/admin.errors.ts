import { domainError } from '../common/errors/domain-error';

/** Four eyes: the admin who asked for a money move cannot be the one who approves it. */
export class SelfApprovalRefused extends domainError(403, 'SelfApprovalRefused', (id: string) => `Approval ${id} was requested by you: a different admin must approve it`) {}

export class ApprovalNotPending extends domainError(409, 'ApprovalNotPending', (id: string, status: string) => ({ message: `Approval ${id} is ${status}, not PENDING`, details: { status } })) {}

export class ApprovalAlreadyPending extends domainError(409, 'ApprovalAlreadyPending', (action: string, targetId: string, approvalId?: string) => ({
  message: `An approval of ${action} on ${targetId} is already pending`,
  details: { approvalId },
})) {}

/** A PENDING approval not decided within ADMIN_APPROVAL_TTL_MS: it can no longer run (reject it, or ask again). */
export class ApprovalExpired extends domainError(409, 'ApprovalExpired', (id: string, expiredAt: string) => ({
  message: `Approval ${id} expired at ${expiredAt} (not decided within ADMIN_APPROVAL_TTL_MS): nothing was run; reject it or request the action again`,
  details: { status: 'EXPIRED', expiredAt },
})) {}
