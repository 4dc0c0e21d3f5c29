import { domainError } from '../common/errors/domain-error';

/** Four eyes: the admin who asked for a money move cannot be the one who approves it. */
export class SelfApprovalRefused extends domainError(403, 'SelfApprovalRefused', (id: string) => `Approval ${id} was requested by you: a different admin must approve it`) {}

export class ApprovalNotPending extends domainError(409, 'ApprovalNotPending', (id: string, status: string) => ({ message: `Approval ${id} is ${status}, not PENDING`, details: { status } })) {}

export class ApprovalAlreadyPending extends domainError(409, 'ApprovalAlreadyPending', (action: string, targetId: string, approvalId?: string) => ({
  message: `An approval of ${action} on ${targetId} is already pending`,
  details: { approvalId },
})) {}
