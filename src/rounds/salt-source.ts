import { randomBytes } from 'node:crypto';

/** Where anyone can look a drawn salt up, stored with the round when it starts. */
export type SaltProof =
  | { kind: 'evm-block'; chainId: number; blockNumber: number; blockHash: string; /** Unix seconds. */ blockTimestamp: number }
  | { kind: 'aptos'; network: string; moduleAddress: string; roundId: string; txHash: string; version: string; /** ISO time of the draw's transaction (absent on rounds drawn before it was recorded). */ drawnAt?: string };

export type SaltDraw =
  /** The salt, fixed for good: the round starts with it. */
  | { kind: 'drawn'; salt: string; source: string; proof: SaltProof | null }
  /** Not there yet (a block not mined or not confirmed, a node not answering): ask again in `retryInMs`. */
  | { kind: 'waiting'; reason: string; retryInMs: number }
  /** It will never be this round's salt (the pinned block predates the round): the round is voided. */
  | { kind: 'unavailable'; reason: string };

/** What a salt source sees of a round. */
export interface SaltRound {
  id: string;
  number: number;
  /** The reference `pin` fixed when the round was created. */
  saltRef: string | null;
  createdAt: Date;
}

/**
 * Where round salts come from. A provably fair source fixes, when the round is created (before its
 * commitment is published), which public entropy will be its salt (`pin`); the salt itself only exists
 * later, and `draw` reads that one value, however often it is asked, so a failed start cannot draw
 * again and nobody can retry for a better salt.
 */
export interface SaltSource {
  readonly name: string;
  /** True when a player can check the salt without trusting the server. */
  readonly provablyFair: boolean;
  /** The entropy reference stored in the PENDING row (a future block number, an Aptos draw id), or null. */
  pin(round: { number: number }): Promise<string | null>;
  /** Never throws for a source that is merely late: it answers `waiting`. */
  draw(round: SaltRound): Promise<SaltDraw>;
}

export const SALT_SOURCE = Symbol('SALT_SOURCE');

/** Salt sources whose salt the server chose: rounds using them are marked `provablyFair: false`. */
const SERVER_CHOSEN = new Set(['server']);

export function isProvablyFairSource(source: string): boolean {
  return !SERVER_CHOSEN.has(source);
}

/**
 * 32 random bytes picked by the server and published at round start. The chain commitment still
 * binds the server seed, but the server could have picked a salt to suit itself, so rounds using
 * this source are not provably fair.
 */
export class ServerSaltSource implements SaltSource {
  readonly name = 'server';
  readonly provablyFair = false;

  pin(): Promise<string | null> {
    return Promise.resolve(null);
  }

  draw(): Promise<SaltDraw> {
    return Promise.resolve({ kind: 'drawn', salt: randomBytes(32).toString('hex'), source: this.name, proof: null });
  }
}
