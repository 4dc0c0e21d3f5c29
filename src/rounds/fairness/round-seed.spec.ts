import { createHmac } from 'node:crypto';
import { draw, RoundDraws, roundSeedOf } from './round-seed';

const SERVER_SEED = 'ab'.repeat(32);

describe('roundSeedOf', () => {
  it('is HMAC-SHA256 keyed with the seed bytes over the UTF-8 salt, in lowercase hex', () => {
    const salt = '0xAbC-ünïcödé';
    const expected = createHmac('sha256', Buffer.from(SERVER_SEED, 'hex')).update(Buffer.from(salt, 'utf8')).digest('hex');
    expect(roundSeedOf(SERVER_SEED, salt)).toBe(expected);
    expect(roundSeedOf(SERVER_SEED, salt)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('keys with the bytes, not the hex text', () => {
    const textKeyed = createHmac('sha256', SERVER_SEED).update('salt').digest('hex');
    expect(roundSeedOf(SERVER_SEED, 'salt')).not.toBe(textKeyed);
  });

  it('changes with every character of the salt', () => {
    expect(roundSeedOf(SERVER_SEED, 'salt')).not.toBe(roundSeedOf(SERVER_SEED, 'salt '));
    expect(roundSeedOf(SERVER_SEED, '0xab')).not.toBe(roundSeedOf(SERVER_SEED, 'ab'));
  });

  it('refuses a server seed that is not 32 bytes of lowercase hex', () => {
    expect(() => roundSeedOf('AB'.repeat(32), 'salt')).toThrow(TypeError);
    expect(() => roundSeedOf('ab'.repeat(31), 'salt')).toThrow(TypeError);
  });
});

describe('draw', () => {
  const roundSeed = roundSeedOf(SERVER_SEED, 'draw spec');
  const draws = new RoundDraws(roundSeed);

  /** The definition, spelled out with hex strings. */
  function definition(t: number, j: number): number {
    const hex = createHmac('sha256', Buffer.from(roundSeed, 'hex')).update(`${t}:${j}`, 'utf8').digest('hex');
    return parseInt(hex.slice(0, 13), 16) / 2 ** 52;
  }

  it('is the first 13 hex digits of HMAC(roundSeed, "t:j") over 2^52', () => {
    for (let t = 1; t <= 50; t += 1) {
      for (let j = 0; j <= 12; j += 1) expect(draws.draw(t, j)).toBe(definition(t, j));
    }
    expect(draw(roundSeed, 4999, 7)).toBe(definition(4999, 7));
  });

  it('writes the message as plain decimal "t:j", so (1, 23) and (12, 3) differ', () => {
    expect(draws.draw(1, 23)).not.toBe(draws.draw(12, 3));
    expect(draws.draw(10, 0)).toBe(definition(10, 0));
  });

  it('stays in [0, 1) and looks uniform', () => {
    const values: number[] = [];
    for (let t = 1; t <= 2000; t += 1) values.push(draws.draw(t, 0));
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThan(1);
    const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.03);
  });

  it('exposes the 52-bit integer behind each draw', () => {
    const integer = draws.drawInteger(3, 4);
    expect(Number.isSafeInteger(integer)).toBe(true);
    expect(integer).toBeLessThan(2 ** 52);
    expect(integer / 2 ** 52).toBe(draws.draw(3, 4));
  });
});

describe('RoundDraws input checks', () => {
  const draws = new RoundDraws(roundSeedOf(SERVER_SEED, 'checks'));

  it('accepts the largest indices that fit the message buffer', () => {
    const t = Number.MAX_SAFE_INTEGER;
    const expected = createHmac('sha256', Buffer.from(draws.roundSeed, 'hex')).update(`${t}:${t}`).digest('hex');
    expect(draws.drawInteger(t, t)).toBe(parseInt(expected.slice(0, 13), 16));
  });

  it('refuses indices that are not non-negative integers', () => {
    expect(() => draws.draw(-1, 0)).toThrow(RangeError);
    expect(() => draws.draw(1, 0.5)).toThrow(RangeError);
    expect(() => draws.draw(2 ** 53, 0)).toThrow(RangeError);
  });

  it('gives the same draw whatever was drawn before (no state left in the buffers)', () => {
    const fresh = new RoundDraws(draws.roundSeed).draw(7, 1);
    draws.draw(123456789, 12);
    expect(draws.draw(7, 1)).toBe(fresh);
  });
});
