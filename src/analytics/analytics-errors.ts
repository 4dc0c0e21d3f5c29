import { domainError } from '../common/errors/domain-error';

/** A user that does not exist and one whose profile is private answer the same 404: nobody learns who plays. */
export class PlayerNotFound extends domainError(404, 'PlayerNotFound', (userId: string) => `Player ${userId} not found`) {}

export class DisplayNameTaken extends domainError(409, 'DisplayNameTaken', (name: string) => `Display name "${name}" is taken`) {}

export class StatsRangeInvalid extends domainError(400, 'StatsRangeInvalid', (message: string, details: { from: string; to: string; maxDays: number }) => ({ message, details })) {}

/** Round statistics are materialised once the round's settlement committed. */
export class RoundStatsNotReady extends domainError(409, 'RoundStatsNotReady', (roundId: string) => ({
  message: `Round ${roundId} has no statistics yet: they are published once it is settled`,
  details: { roundId },
})) {}
