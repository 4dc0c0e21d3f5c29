import { domainError } from '../common/errors/domain-error';

export class SelfBanRefused extends domainError(409, 'SelfBanRefused', () => 'You cannot ban yourself') {}

export class SelfDemotionRefused extends domainError(409, 'SelfDemotionRefused', () => 'You cannot remove your own admin role') {}

/** There must always be one active admin left, or nobody could administer the platform. */
export class LastAdminRefused extends domainError(409, 'LastAdminRefused', () => 'This would leave no active admin: grant admin to someone else first') {}
