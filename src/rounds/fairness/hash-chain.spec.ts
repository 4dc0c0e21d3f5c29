import { createHash } from 'node:crypto';
import { chainDistance, hashForward, isChainLink, SeedChain, sha256Seed } from './hash-chain';

const FIRST_SEED = createHash('sha256').update('hash-chain spec').digest('hex');

/** The chain written out naively, as the definition reads: s[i+1] = sha256(bytes of s[i]). */
function naiveChain(firstSeed: string, length: number): string[] {
  const seeds = [firstSeed];
  for (let i = 0; i < length; i += 1) {
    seeds.push(createHash('sha256').update(Buffer.from(seeds[i], 'hex')).digest('hex'));
  }
  return seeds;
}

describe('sha256Seed', () => {
  it('hashes the 32 bytes, not their hex text', () => {
    const bytes = Buffer.alloc(32, 0xab);
    expect(sha256Seed(bytes.toString('hex'))).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(sha256Seed(bytes.toString('hex'))).not.toBe(createHash('sha256').update(bytes.toString('hex')).digest('hex'));
  });
});

describe('isChainLink', () => {
  const [seed, commitment] = naiveChain(FIRST_SEED, 1);

  it('accepts a seed whose hash is the commitment', () => {
    expect(isChainLink(seed, commitment)).toBe(true);
  });

  it('rejects the reverse direction, a neighbour and a one-digit change', () => {
    expect(isChainLink(commitment, seed)).toBe(false);
    expect(isChainLink(seed, sha256Seed(commitment))).toBe(false);
    const flipped = (seed[0] === '0' ? '1' : '0') + seed.slice(1);
    expect(isChainLink(flipped, commitment)).toBe(false);
  });

  it('refuses values that are not 32 bytes of lowercase hex', () => {
    expect(() => isChainLink(seed.toUpperCase(), commitment)).toThrow(TypeError);
    expect(() => isChainLink(seed.slice(2), commitment)).toThrow(TypeError);
    expect(() => isChainLink(seed, `0x${commitment.slice(2)}`)).toThrow(TypeError);
  });
});

describe('hashForward and chainDistance', () => {
  const seeds = naiveChain(FIRST_SEED, 20);

  it('hashForward(s[i], n) = s[i+n]', () => {
    expect(hashForward(seeds[3], 0)).toBe(seeds[3]);
    expect(hashForward(seeds[3], 12)).toBe(seeds[15]);
    expect(() => hashForward(seeds[3], -1)).toThrow(RangeError);
  });

  it('finds how far a seed is below a hash, and gives up after maxSteps', () => {
    expect(chainDistance(seeds[5], seeds[5], 0)).toBe(0);
    expect(chainDistance(seeds[5], seeds[20], 15)).toBe(15);
    expect(chainDistance(seeds[5], seeds[20], 14)).toBeNull();
    expect(chainDistance(seeds[20], seeds[5], 100)).toBeNull();
  });
});

describe('SeedChain', () => {
  it.each([1, 63, 64, 65, 128, 200])('matches the naive chain at every index for length %i', (length) => {
    const seeds = naiveChain(FIRST_SEED, length);
    const chain = SeedChain.fromFirstSeed(FIRST_SEED, length);
    expect(chain.terminalHash).toBe(seeds[length]);
    seeds.forEach((seed, index) => expect(chain.seedAt(index)).toBe(seed));
  });

  it('round k plays s[L-k] and is committed to by s[L-k+1]', () => {
    const length = 100;
    const seeds = naiveChain(FIRST_SEED, length);
    const chain = SeedChain.fromFirstSeed(FIRST_SEED, length);
    expect(chain.serverSeedHashForRound(1)).toBe(chain.terminalHash);
    for (let k = 1; k <= length; k += 1) {
      expect(chain.serverSeedForRound(k)).toBe(seeds[length - k]);
      expect(chain.serverSeedHashForRound(k)).toBe(seeds[length - k + 1]);
      expect(isChainLink(chain.serverSeedForRound(k), chain.serverSeedHashForRound(k))).toBe(true);
      expect(chainDistance(chain.serverSeedForRound(k), chain.terminalHash, length)).toBe(k);
    }
    // Each round's commitment is the seed the round before it revealed.
    expect(chain.serverSeedHashForRound(2)).toBe(chain.serverSeedForRound(1));
    expect(chain.serverSeedForRound(length)).toBe(FIRST_SEED);
  });

  it('refuses rounds and indices outside the chain', () => {
    const chain = SeedChain.fromFirstSeed(FIRST_SEED, 10);
    expect(() => chain.serverSeedForRound(0)).toThrow(RangeError);
    expect(() => chain.serverSeedForRound(11)).toThrow(RangeError);
    expect(() => chain.serverSeedHashForRound(1.5)).toThrow(RangeError);
    expect(() => chain.seedAt(-1)).toThrow(RangeError);
    expect(() => chain.seedAt(11)).toThrow(RangeError);
    expect(() => SeedChain.fromFirstSeed(FIRST_SEED, 0)).toThrow(RangeError);
    expect(() => SeedChain.fromFirstSeed('abc', 10)).toThrow(TypeError);
  });

  it('generates from 32 random bytes and round-trips through its record', () => {
    const bytes = Buffer.alloc(32, 7);
    const chain = SeedChain.generate(50, (size) => {
      expect(size).toBe(32);
      return bytes;
    });
    const record = chain.toRecord();
    expect(record).toEqual({ firstSeed: bytes.toString('hex'), length: 50, terminalHash: naiveChain(bytes.toString('hex'), 50)[50] });
    const restored = SeedChain.restore(record);
    expect(restored.terminalHash).toBe(chain.terminalHash);
    expect(restored.serverSeedForRound(17)).toBe(chain.serverSeedForRound(17));
  });

  it('uses fresh randomness by default', () => {
    expect(SeedChain.generate(2).terminalHash).not.toBe(SeedChain.generate(2).terminalHash);
  });

  it('refuses a record whose first seed does not lead to its terminal hash', () => {
    const record = SeedChain.fromFirstSeed(FIRST_SEED, 30).toRecord();
    expect(() => SeedChain.restore({ ...record, length: 29 })).toThrow(/corrupt/);
    expect(() => SeedChain.restore({ ...record, terminalHash: sha256Seed(record.terminalHash) })).toThrow(/corrupt/);
  });
});
