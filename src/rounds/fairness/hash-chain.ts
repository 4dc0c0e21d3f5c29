import { hash, randomBytes } from 'node:crypto';
import { assertSeedHex } from './hex';

/** sha256 of the 32 bytes a seed stands for (not of its hex text), as lowercase hex. */
export function sha256Seed(seed: string): string {
  return hash('sha256', Buffer.from(seed, 'hex'), 'hex');
}

/** True when `seed` is the preimage of `commitment`: sha256(seed) = commitment. */
export function isChainLink(seed: string, commitment: string): boolean {
  assertSeedHex(seed, 'seed');
  assertSeedHex(commitment, 'commitment');
  return sha256Seed(seed) === commitment;
}

/** `seed` hashed `times` times. */
export function hashForward(seed: string, times: number): string {
  assertSeedHex(seed, 'seed');
  if (!Number.isSafeInteger(times) || times < 0) throw new RangeError('times must be a non-negative integer');
  let current = seed;
  for (let i = 0; i < times; i += 1) current = sha256Seed(current);
  return current;
}

/**
 * How many hashes lead from `seed` to `target` (0 when equal), or null when `maxSteps` are not
 * enough. A player uses it to tie a revealed seed to the published terminal hash: round k of a
 * chain is exactly k steps away.
 */
export function chainDistance(seed: string, target: string, maxSteps: number): number | null {
  assertSeedHex(seed, 'seed');
  assertSeedHex(target, 'target');
  let current = seed;
  for (let steps = 0; steps <= maxSteps; steps += 1) {
    if (current === target) return steps;
    current = sha256Seed(current);
  }
  return null;
}

/** What the database keeps of a chain. `firstSeed` (s[0]) is the secret; everything else follows from it. */
export interface SeedChainRecord {
  firstSeed: string;
  length: number;
  terminalHash: string;
}

/** One seed every CHECKPOINT_INTERVAL indices stays in memory, so any seed is at most 63 hashes away. */
const CHECKPOINT_INTERVAL = 64;

/**
 * A hash chain s[0..L]: s[0] random, s[i+1] = sha256(s[i]), published terminal hash s[L].
 * Round k (1..L) plays s[L-k] and is committed to by s[L-k+1]; so seeds are revealed from the
 * terminal hash downwards and each one proves the one revealed before it.
 *
 * Only s[0] needs persisting: it determines the chain, and leaking it is no worse than leaking
 * all of it, since any seed already yields every seed above it. The constructor rebuilds the
 * chain once (L hashes, about 10 ms for L = 10,000) and keeps a checkpoint every 64 indices
 * (~160 seeds for the default length), so `seedAt` costs at most 63 hashes and memory stays small.
 */
export class SeedChain {
  readonly length: number;
  readonly terminalHash: string;
  private readonly firstSeed: string;
  private readonly checkpoints: string[] = [];

  private constructor(firstSeed: string, length: number) {
    assertSeedHex(firstSeed, 'firstSeed');
    if (!Number.isSafeInteger(length) || length < 1) throw new RangeError('chain length must be a positive integer');
    this.firstSeed = firstSeed;
    this.length = length;
    let current = firstSeed;
    for (let index = 0; index < length; index += 1) {
      if (index % CHECKPOINT_INTERVAL === 0) this.checkpoints.push(current);
      current = sha256Seed(current);
    }
    if (length % CHECKPOINT_INTERVAL === 0) this.checkpoints.push(current);
    this.terminalHash = current;
  }

  /** A fresh chain from 32 random bytes (the byte source is injectable for tests). */
  static generate(length: number, random: (size: number) => Buffer = randomBytes): SeedChain {
    return new SeedChain(random(32).toString('hex'), length);
  }

  static fromFirstSeed(firstSeed: string, length: number): SeedChain {
    return new SeedChain(firstSeed, length);
  }

  /** Rebuilds a persisted chain and refuses one whose s[0] no longer leads to its published terminal hash. */
  static restore(record: SeedChainRecord): SeedChain {
    const chain = new SeedChain(record.firstSeed, record.length);
    if (chain.terminalHash !== record.terminalHash) {
      throw new RangeError('seed chain record is corrupt: its first seed does not lead to its terminal hash');
    }
    return chain;
  }

  toRecord(): SeedChainRecord {
    return { firstSeed: this.firstSeed, length: this.length, terminalHash: this.terminalHash };
  }

  /** s[index], 0 ≤ index ≤ length. */
  seedAt(index: number): string {
    if (!Number.isSafeInteger(index) || index < 0 || index > this.length) {
      throw new RangeError(`chain index must be in [0, ${this.length}], got ${index}`);
    }
    const checkpoint = Math.floor(index / CHECKPOINT_INTERVAL);
    let current = this.checkpoints[checkpoint];
    for (let at = checkpoint * CHECKPOINT_INTERVAL; at < index; at += 1) current = sha256Seed(current);
    return current;
  }

  /** The server seed of round k (1 ≤ k ≤ length): s[L-k], secret until the round ends. */
  serverSeedForRound(k: number): string {
    return this.seedAt(this.length - this.checkRound(k));
  }

  /** The commitment published before round k starts: s[L-k+1] (the terminal hash for k = 1). */
  serverSeedHashForRound(k: number): string {
    return this.seedAt(this.length - this.checkRound(k) + 1);
  }

  private checkRound(k: number): number {
    if (!Number.isSafeInteger(k) || k < 1 || k > this.length) {
      throw new RangeError(`round number in the chain must be in [1, ${this.length}], got ${k}`);
    }
    return k;
  }
}
