import { domainError } from '../common/errors/domain-error';
import type { CommandOutcome, CommandRefusal } from './venue';

/**
 * The engine could not say what became of a command (no leader answered in time, the leader lost its
 * lease, the batch's transaction failed). The command may or may not have been applied: retry it with
 * the same id, which answers the committed outcome if there is one.
 */
export class EngineUnavailable extends domainError(503, 'EngineUnavailable', (reason: string) => ({ message: `Venue engine unavailable: ${reason}; retry`, details: { retryable: true } })) {}

export function engineUnavailable(reason: string): CommandOutcome<never> {
  const error = new EngineUnavailable(reason);
  const refusal: CommandRefusal = { status: error.status, error: error.error, message: error.message, details: { retryable: true } };
  return { ok: false, refusal };
}
