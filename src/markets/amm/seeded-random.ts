/**
 * A tiny deterministic PRNG (mulberry32) for property tests and benchmarks: the same seed replays the same
 * trade sequence, so a failing case can be reproduced from its seed. Not for anything that must be unpredictable.
 */
export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [min, max], both inclusive. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** bigint in [min, max], both inclusive, from 64 random bits (enough for the ranges tests use). */
  bigint(min: bigint, max: bigint): bigint {
    const span = max - min + 1n;
    const bits = (BigInt(Math.floor(this.next() * 4294967296)) << 32n) | BigInt(Math.floor(this.next() * 4294967296));
    return min + (bits % span);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)];
  }
}
