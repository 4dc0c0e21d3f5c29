import { randomBytes } from 'node:crypto';

/** Public entropy fixed after the seed chain was committed, drawn when a round starts. */
export interface DrawnSalt {
  salt: string;
  /** `server`, later `aptos-randomness`, `evm-block-hash`, ... */
  source: string;
}

/**
 * Where round salts come from. The blockchain module brings the provably fair sources (an Aptos
 * randomness draw, an EVM block hash); `server` is the only one until then.
 */
export interface SaltSource {
  readonly name: string;
  /** True when a player can check the salt without trusting the server. */
  readonly provablyFair: boolean;
  draw(round: { id: string; number: number }): Promise<DrawnSalt>;
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

  draw(): Promise<DrawnSalt> {
    return Promise.resolve({ salt: randomBytes(32).toString('hex'), source: this.name });
  }
}
