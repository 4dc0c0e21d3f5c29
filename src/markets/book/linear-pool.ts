import type { OutcomePool } from './outcome-pool';

/**
 * A market maker with a linear price, exact in integers, for tests and benchmarks of the book: the marginal
 * price is `startTick + outstanding / sharesPerTick` ticks, so buying `sharesPerTick` units raises it one tick.
 * Path independent like the LMSR, and it can only buy back what it sold (outstanding >= 0).
 */
export class LinearPool implements OutcomePool {
  /** Shares the pool has sold and not bought back. */
  outstanding: bigint;
  /** Cash the pool took in, net of what it paid out (cash minor units). */
  cash = 0n;

  private readonly start: bigint;
  private readonly perTick: bigint;
  private readonly ticksPerUnit: bigint;

  constructor(options: { startTick: number; sharesPerTick: bigint; ticksPerUnit: number; outstanding?: bigint }) {
    this.start = BigInt(options.startTick);
    this.perTick = options.sharesPerTick;
    this.ticksPerUnit = BigInt(options.ticksPerUnit);
    this.outstanding = options.outstanding ?? 0n;
  }

  /** The marginal price in ticks, as a float (tests and display only). */
  marginalPrice(): number {
    return Number(this.start) + Number(this.outstanding) / Number(this.perTick);
  }

  sharesToBuyUntil(priceTick: number, delta: bigint): bigint {
    const shares = this.levelAt(priceTick) - (this.outstanding + delta);
    return shares > 0n ? shares : 0n;
  }

  sharesToSellUntil(priceTick: number, delta: bigint): bigint {
    const floor = this.levelAt(priceTick);
    const shares = this.outstanding + delta - (floor > 0n ? floor : 0n);
    return shares > 0n ? shares : 0n;
  }

  costToBuy(shares: bigint, delta: bigint): bigint {
    const [numerator, denominator] = this.integral(this.outstanding + delta, shares);
    return (numerator + denominator - 1n) / denominator;
  }

  sharesForCost(cash: bigint, delta: bigint): bigint {
    if (cash <= 0n) return 0n;
    // The price is at least the start price (and at least one tick), so cash buys fewer than cash * ticksPerUnit / that.
    const floorTick = this.start > 0n ? this.start : 1n;
    let low = 0n;
    let high = (cash * this.ticksPerUnit) / floorTick + 1n;
    while (low < high) {
      const mid = (low + high + 1n) / 2n;
      if (this.costToBuy(mid, delta) <= cash) low = mid;
      else high = mid - 1n;
    }
    return low;
  }

  proceedsOfSale(shares: bigint, delta: bigint): bigint {
    const from = this.outstanding + delta - shares;
    if (from < 0n) throw new Error(`LinearPool cannot buy back ${shares}: only ${this.outstanding + delta} outstanding`);
    const [numerator, denominator] = this.integral(from, shares);
    return numerator / denominator;
  }

  commit(shares: bigint, cash: bigint): void {
    this.outstanding += shares;
    this.cash += cash;
    if (this.outstanding < 0n) throw new Error('LinearPool outstanding went negative');
  }

  /** Outstanding shares at which the marginal price is exactly `priceTick` (negative below the start). */
  private levelAt(priceTick: number): bigint {
    return (BigInt(priceTick) - this.start) * this.perTick;
  }

  /** Cost of the shares from `from` to `from + shares`: the integral of the price, as numerator / denominator. */
  private integral(from: bigint, shares: bigint): [bigint, bigint] {
    const to = from + shares;
    const numerator = 2n * this.perTick * this.start * shares + to * to - from * from;
    return [numerator, 2n * this.perTick * this.ticksPerUnit];
  }
}
