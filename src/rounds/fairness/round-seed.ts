import { createHmac, hash } from 'node:crypto';
import { assertSeedHex } from './hex';

/** 2^52: a draw is 13 hex digits (52 bits) over this, so it is exact in a double and lies in [0, 1). */
const DRAW_SCALE = 2 ** 52;

/** roundSeed = HMAC-SHA256(key = bytes of serverSeed, message = UTF-8 of salt), lowercase hex. */
export function roundSeedOf(serverSeed: string, salt: string): string {
  assertSeedHex(serverSeed, 'serverSeed');
  return createHmac('sha256', Buffer.from(serverSeed, 'hex')).update(salt, 'utf8').digest('hex');
}

/** SHA-256 reads its input in 64-byte blocks; HMAC pads its key to one block. */
const BLOCK_BYTES = 64;
/** Room for "t:j" with two safe integers (at most 16 digits each) and the colon. */
const MESSAGE_BYTES = 33;
const DIGEST_BYTES = 32;

/**
 * The draws of one round. HMAC-SHA256 is computed from its definition
 * (sha256((key ^ opad) || sha256((key ^ ipad) || message))) with Node's one-shot `crypto.hash`
 * over preallocated buffers: about twice as fast as `createHmac` for these tiny messages, and a
 * tick needs up to 1 + 3 * subSteps draws. The spec checks every draw against `createHmac`.
 */
export class RoundDraws {
  private readonly inner = Buffer.alloc(BLOCK_BYTES + MESSAGE_BYTES);
  private readonly outer = Buffer.alloc(BLOCK_BYTES + DIGEST_BYTES);

  constructor(readonly roundSeed: string) {
    assertSeedHex(roundSeed, 'roundSeed');
    const key = Buffer.from(roundSeed, 'hex');
    for (let i = 0; i < BLOCK_BYTES; i += 1) {
      const keyByte = i < key.length ? key[i] : 0;
      this.inner[i] = keyByte ^ 0x36;
      this.outer[i] = keyByte ^ 0x5c;
    }
  }

  /**
   * draw(t, j): the first 13 hex digits of HMAC-SHA256(key = bytes of roundSeed, message = UTF-8
   * of "t:j") read as an integer, divided by 2^52.
   */
  draw(t: number, j: number): number {
    return this.drawInteger(t, j) / DRAW_SCALE;
  }

  /** The 52-bit integer behind draw(t, j), for test vectors and audits. */
  drawInteger(t: number, j: number): number {
    if (!Number.isSafeInteger(t) || t < 0 || !Number.isSafeInteger(j) || j < 0) {
      throw new RangeError(`draw indices must be non-negative integers, got (${t}, ${j})`);
    }
    // "t:j" is ASCII digits and a colon, so latin1 writes the same bytes as UTF-8.
    const length = this.inner.write(`${t}:${j}`, BLOCK_BYTES, 'latin1');
    this.outer.write(hash('sha256', this.inner.subarray(0, BLOCK_BYTES + length), 'hex'), BLOCK_BYTES, 'hex');
    return parseInt(hash('sha256', this.outer, 'hex').slice(0, 13), 16);
  }
}

/** draw(t, j) of `roundSeed`; see RoundDraws for the definition. */
export function draw(roundSeed: string, t: number, j: number): number {
  return new RoundDraws(roundSeed).draw(t, j);
}
