import { DomainError } from '../common/errors/domain-error';

/**
 * Rounds venue errors. Wrong state is 409 (the request was fine, the round is not in a state that
 * takes it: retrying later may work); a request the round's rules refuse is 422. An unknown round
 * or a position or side bet of someone else is 404: the API never tells who owns what.
 */
export class RoundNotFound extends DomainError {
  constructor(roundId: string) {
    super(404, 'RoundNotFound', `Round ${roundId} not found`);
  }
}

export class RoundPositionNotFound extends DomainError {
  constructor(positionId: string) {
    super(404, 'RoundPositionNotFound', `Position ${positionId} not found in this round`);
  }
}

/**
 * The round is not in a status that accepts this command (`details.status`, `details.expected`),
 * or it is ACTIVE but its engine stalled (`details.sinceLastTickMs`).
 */
export class RoundStateConflict extends DomainError {
  constructor(message: string, details: { status: string; expected: string[]; sinceLastTickMs?: number }) {
    super(409, 'RoundStateConflict', message, details);
  }
}

export class PositionAlreadyClosed extends DomainError {
  constructor(positionId: string) {
    super(409, 'PositionAlreadyClosed', `Position ${positionId} is already closed`);
  }
}

export class SideBetAlreadyActive extends DomainError {
  constructor() {
    super(409, 'SideBetAlreadyActive', 'You already have an unresolved side bet in this round');
  }
}

export class StakeOutOfLimits extends DomainError {
  constructor(message: string, details: { min: string; max: string }) {
    super(422, 'StakeOutOfLimits', message, details);
  }
}

export class TooManyOpenPositions extends DomainError {
  constructor(limit: number) {
    super(422, 'TooManyOpenPositions', `At most ${limit} open positions per player per round`, { limit });
  }
}

/** Nothing to verify yet: the seed is revealed when the round ends. */
export class RoundNotEnded extends DomainError {
  constructor(status: string) {
    super(409, 'RoundNotEnded', `The round is ${status}; it can be verified once it has ended`, { status, expected: ['ENDED', 'SETTLED'] });
  }
}
