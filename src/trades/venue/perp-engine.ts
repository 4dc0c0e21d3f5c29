import type { CommandOutcome, EngineCommand, LeadershipListener, LocalCommand } from '../../engine/venue';

/**
 * The venue engine as the perps venue uses it, bound to the `perps` venue (shard = symbol). Provided from
 * VenueEngine in TradesModule; medium tests provide an in-process one that applies each command at once.
 */
export interface PerpEngine {
  /** From any instance: the shard's leader applies it; answers after its batch committed (or with the stored outcome of that id). */
  submit(symbol: string, command: EngineCommand): Promise<CommandOutcome>;
  /** On the shard's leader only: a tick or an expiry, applied in order with users' commands; false where this instance does not lead. */
  submitLocal(symbol: string, command: LocalCommand): Promise<CommandOutcome> | false;
  isLeader(symbol: string): boolean;
  /** Told when this instance starts or stops leading a perps shard (at once for shards it leads already). */
  onLeadership(listener: LeadershipListener): void;
}

export const PERP_ENGINE = Symbol('PerpEngine');
