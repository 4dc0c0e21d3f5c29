import { domainError } from '../common/errors/domain-error';

/** No share market for this user: they were never given the `creator` role. */
export class CreatorNotFound extends domainError(404, 'CreatorNotFound', (creatorId: string) => `Creator ${creatorId} not found`) {}

/** The creator's role was revoked: their shares can only be sold. */
export class CreatorNotTrading extends domainError(422, 'CreatorNotTrading') {}

/** The fill is worse than the trader's maxCost or minProceeds: nothing moved. */
export class PriceMovedBeyondSlippage extends domainError(422, 'PriceMovedBeyondSlippage') {}

/** Selling more shares than held (share 1 of a creator, their own, is never for sale). */
export class InsufficientShares extends domainError(422, 'InsufficientShares') {}

/** Enough shares are held, but some are still within CREATOR_SHARE_LOCK_SECONDS of their purchase. */
export class SharesLocked extends domainError(422, 'SharesLocked') {}

/** A sell whose fees would take all it returns. */
export class TradeTooSmall extends domainError(422, 'TradeTooSmall') {}

/** A dividend period that has not ended yet cannot be paid: its holders of record are not known. */
export class PeriodNotEnded extends domainError(422, 'PeriodNotEnded') {}
