import type { EntityManager } from 'typeorm';

/** A seed hash chain as the rounds module committed it (its terminal hash is public before its first round). */
export interface CommittedSeedChain {
  id: string;
  /** s[L], 64 hex digits. */
  terminalHash: string;
  length: number;
}

/** A round whose server seed is revealed (ENDED, SETTLED or VOIDED). */
export interface RevealedRoundSeed {
  roundId: string;
  /** Rounds are numbered 1, 2, 3, ... and played one at a time, so round n is revealed before round n + 1 exists. */
  number: number;
  seedChainId: string;
  /** s[L-k], 64 hex digits. */
  serverSeed: string;
}

/** A round whose revealed seed a confirmed SeedCommitments transaction recorded. */
export interface RecordedRoundSeed {
  roundId: string;
  /** The `revealSeeds` transaction (0x + 64 hex digits). */
  txHash: string;
}

/** What the rounds module tells the recorder; it registers itself with `SeedCommitmentsRecorder.useSource`. */
export interface SeedCommitmentSource {
  seedChains(): Promise<CommittedSeedChain[]>;
  /** Revealed rounds numbered above `roundNumber`, in number order, at most `limit`. */
  revealedAfter(roundNumber: number, limit: number): Promise<RevealedRoundSeed[]>;
  /**
   * These rounds' seeds are on chain (their transaction confirmed): called in the recorder's transaction that marks
   * them recorded, so the rounds' own record of it commits with the recorder's or not at all.
   */
  seedsRecorded(manager: EntityManager, recorded: RecordedRoundSeed[]): Promise<void>;
}
