import type { Decimal } from 'decimal.js';
import { AmmDecimal, MAX_UNITS, floorToUnits, toDecimal } from '../amm/amm-decimal';
import { TradeTooSmall } from '../amm/amm-errors';
import { LmsrState, costToBuy, proceedsOfSale, quoteBuy, spotPrices } from '../amm/lmsr';
import type { OutcomePool } from './outcome-pool';

const NO_FEES = { feeBps: 0, creatorShareBps: 0 };

/** Share counts the pool offers are pushed toward zero by this relative margin, so its price never passes the book's. */
const SHARE_COUNT_GUARD = new AmmDecimal('1e-30');

/**
 * The market's LMSR pool, shared by the books of all its outcomes: each book gets `outcome(i)`. Trades through
 * any outcome's book update the one state, so a trade on one outcome moves every other outcome's price (and
 * may leave resting orders on the wrong side of the pool, to be filled by the next taker).
 *
 * Shares until price p: buying s of outcome i multiplies its weight by exp(s / b), and its price is
 * weight_i / total, so reaching p takes s = b * ln(p * others / ((1 - p) * price_i)), where `others` is the sum of
 * the other outcomes' prices (added up, not 1 - price_i, which would cancel when i dominates). Selling mirrors it.
 */
export class LmsrMarketPool {
  /** Net cash trades through the books put into the pool (negative: paid out), to post to the pool's account. */
  cash = 0n;

  /**
   * Share counts to a tick from the committed state (delta 0), per outcome, side and tick: the books ask the same
   * question for every order that rests near the pool (a 40-digit logarithm each). Valid while `state` is the same
   * object (every trade replaces it).
   */
  private memo: { state: LmsrState; counts: Map<string, bigint> } | null = null;

  constructor(
    public state: LmsrState,
    readonly ticksPerUnit: number,
  ) {}

  outcome(index: number): OutcomePool {
    return new LmsrOutcomePool(this, index);
  }

  /** `compute()` for the committed state, remembered under `key` until the state changes. */
  remembered(key: string, compute: () => bigint): bigint {
    if (this.memo?.state !== this.state) this.memo = { state: this.state, counts: new Map() };
    let value = this.memo.counts.get(key);
    if (value === undefined) {
      value = compute();
      this.memo.counts.set(key, value);
    }
    return value;
  }
}

class LmsrOutcomePool implements OutcomePool {
  constructor(
    private readonly market: LmsrMarketPool,
    private readonly index: number,
  ) {}

  sharesToBuyUntil(priceTick: number, delta: bigint): bigint {
    if (delta === 0n) return this.market.remembered(`${this.index}:buy:${priceTick}`, () => this.buyUntil(priceTick, 0n));
    return this.buyUntil(priceTick, delta);
  }

  sharesToSellUntil(priceTick: number, delta: bigint): bigint {
    if (delta === 0n) return this.market.remembered(`${this.index}:sell:${priceTick}`, () => this.sellUntil(priceTick, 0n));
    return this.sellUntil(priceTick, delta);
  }

  private buyUntil(priceTick: number, delta: bigint): bigint {
    const state = this.shifted(delta);
    const shares = this.sharesToPrice(state, priceTick);
    if (shares <= 0n) return 0n;
    const room = MAX_UNITS - state.outstandingShares[this.index];
    return shares < room ? shares : room;
  }

  private sellUntil(priceTick: number, delta: bigint): bigint {
    const state = this.shifted(delta);
    const shares = -this.sharesToPrice(state, priceTick);
    if (shares <= 0n) return 0n;
    const outstanding = state.outstandingShares[this.index];
    return shares < outstanding ? shares : outstanding;
  }

  costToBuy(shares: bigint, delta: bigint): bigint {
    return costToBuy(this.shifted(delta), this.index, shares);
  }

  /** Exactly the shares quoteBuy gives for this cash after its fee (its shares depend on the cash left to spend alone). */
  sharesForCost(cash: bigint, delta: bigint): bigint {
    if (cash <= 0n) return 0n;
    try {
      return quoteBuy(this.shifted(delta), this.index, cash, { fees: NO_FEES }).fill.shares;
    } catch (error) {
      if (error instanceof TradeTooSmall) return 0n;
      throw error;
    }
  }

  proceedsOfSale(shares: bigint, delta: bigint): bigint {
    return proceedsOfSale(this.shifted(delta), this.index, shares);
  }

  commit(shares: bigint, cash: bigint): void {
    this.market.state = this.shifted(shares);
    this.market.cash += cash;
  }

  /** Signed shares (positive: buy) that bring the outcome's price to the tick, rounded toward zero. */
  private sharesToPrice(state: LmsrState, priceTick: number): bigint {
    const prices = spotPrices(state);
    const own = prices[this.index];
    const others = prices.reduce((sum: Decimal, price, index) => (index === this.index ? sum : sum.plus(price)), new AmmDecimal(0));
    const target = new AmmDecimal(priceTick).div(this.market.ticksPerUnit);
    const ratio = target.times(others).div(new AmmDecimal(1).minus(target).times(own));
    const exact = toDecimal(state.liquidity).times(AmmDecimal.ln(ratio));
    const guarded = exact.abs().times(new AmmDecimal(1).minus(SHARE_COUNT_GUARD)).minus(SHARE_COUNT_GUARD);
    const magnitude = guarded.isNegative() ? 0n : floorToUnits(guarded);
    return exact.isNegative() ? -magnitude : magnitude;
  }

  private shifted(delta: bigint): LmsrState {
    const state = this.market.state;
    if (delta === 0n) return state;
    return { ...state, outstandingShares: state.outstandingShares.map((shares, index) => (index === this.index ? shares + delta : shares)) };
  }
}
