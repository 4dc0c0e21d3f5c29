import { createHmac } from 'node:crypto';
import { assertSeedHex } from './hex';

/** 2^52: a draw is 13 hex digits (52 bits) over this, so it is exact in a double and lies in [0, 1). */
const DRAW_SCALE = 2 ** 52;

/** roundSeed = HMAC-SHA256(key = bytes of serverSeed, message = UTF-8 of salt), lowercase hex. */
export function roundSeedOf(serverSeed: string, salt: string): string {
  assertSeedHex(serverSeed, 'serverSeed');
  return createHmac('sha256', Buffer.from(serverSeed, 'hex')).update(salt, 'utf8').digest('hex');
}

/**
 * The draws of one round. Keeps the key bytes so a tick (up to 1 + 3 * subSteps draws) does not
 * re-parse the seed.
 */
export class RoundDraws {
  private readonly key: Buffer;

  constructor(readonly roundSeed: string) {
    assertSeedHex(roundSeed, 'roundSeed');
    this.key = Buffer.from(roundSeed, 'hex');
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
    const digest = createHmac('sha256', this.key).update(`${t}:${j}`, 'utf8').digest();
    // 13 hex digits = the first 6 bytes and the high nibble of the 7th.
    return digest.readUIntBE(0, 6) * 16 + (digest[6] >>> 4);
  }
}

/** draw(t, j) of `roundSeed`; see RoundDraws for the definition. */
export function draw(roundSeed: string, t: number, j: number): number {
  return new RoundDraws(roundSeed).draw(t, j);
}
