import { domainError } from '../common/errors/domain-error';

/**
 * Rounds venue errors. Wrong state is 409 (the request was fine, the round is not in a state that
 * takes it: retrying later may work); a request the round's rules refuse is 422. An unknown round
 * or a position or side bet of someone else is 404: the API never tells who owns what.
 */
export class RoundNotFound extends domainError(404, 'RoundNotFound', (roundId: string) => `Round ${roundId} not found`) {}

export class RoundPositionNotFound extends domainError(404, 'RoundPositionNotFound', (positionId: string) => `Position ${positionId} not found in this round`) {}

/**
 * The round is not in a status that accepts this command (`details.status`, `details.expected`),
 * or it is ACTIVE but its engine stalled (`details.sinceLastTickMs`).
 */
export class RoundStateConflict extends domainError(409, 'RoundStateConflict', (message: string, details: { status: string; expected: string[]; sinceLastTickMs?: number }) => ({
  message,
  details,
})) {}

export class PositionAlreadyClosed extends domainError(409, 'PositionAlreadyClosed', (positionId: string) => `Position ${positionId} is already closed`) {}

export class SideBetAlreadyActive extends domainError(409, 'SideBetAlreadyActive', () => 'You already have an unresolved side bet in this round') {}

export class StakeOutOfLimits extends domainError(422, 'StakeOutOfLimits', (message: string, details: { min: string; max: string }) => ({ message, details })) {}

export class TooManyOpenPositions extends domainError(422, 'TooManyOpenPositions', (limit: number) => ({
  message: `At most ${limit} open positions per player per round`,
  details: { limit },
})) {}

/** Nothing to verify yet: the seed is revealed when the round ends. */
export class RoundNotEnded extends domainError(409, 'RoundNotEnded', (status: string) => ({
  message: `The round is ${status}; it can be verified once it has ended`,
  details: { status, expected: ['ENDED', 'SETTLED'] },
})) {}
