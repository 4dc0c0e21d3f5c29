import { floorToUnits, formatUnits, toDecimal } from './amm-decimal';
import { InsufficientShares, InvalidTradeInput } from './amm-errors';
import { spotPrices, type AmmFill, type LmsrState } from './lmsr';

/**
 * One trader's holding in one market, across its outcomes. `paid` and `received` are the net-cost tracker
 * cancellation refunds from; `costBasis` is for showing P&L. Kept per (user, market), not per outcome, so a
 * cancelled market refunds the trader's net across all outcomes.
 */
export interface MarketPosition {
  /** Share units held per outcome. */
  readonly shares: readonly bigint[];
  /** What the shares still held cost, fee included, per outcome (reduced pro rata on sells). */
  readonly costBasis: readonly bigint[];
  /** Everything paid on buys, fees included. */
  readonly paid: bigint;
  /** Everything received on sells, net of fees. */
  readonly received: bigint;
}

export function emptyPosition(outcomeCount: number): MarketPosition {
  const zeros = new Array<bigint>(outcomeCount).fill(0n);
  return { shares: zeros, costBasis: zeros, paid: 0n, received: 0n };
}

/** The position after a fill. A sell of more than the position holds throws InsufficientShares. */
export function applyFill(position: MarketPosition, fill: Pick<AmmFill, 'side' | 'outcome' | 'shares' | 'amount'>): MarketPosition {
  const { outcome } = fill;
  if (!Number.isInteger(outcome) || outcome < 0 || outcome >= position.shares.length) {
    throw new InvalidTradeInput(`Unknown outcome ${outcome}`);
  }
  const held = position.shares[outcome];
  const basis = position.costBasis[outcome];
  if (fill.side === 'buy') {
    return {
      shares: replaced(position.shares, outcome, held + fill.shares),
      costBasis: replaced(position.costBasis, outcome, basis + fill.amount),
      paid: position.paid + fill.amount,
      received: position.received,
    };
  }
  if (fill.shares > held) {
    throw new InsufficientShares(`Cannot sell ${formatUnits(fill.shares)} shares of outcome ${outcome}: the position holds ${formatUnits(held)}`, {
      outcome,
      shares: formatUnits(fill.shares),
      held: formatUnits(held),
    });
  }
  const remaining = held - fill.shares;
  return {
    shares: replaced(position.shares, outcome, remaining),
    // The basis that stays is rounded up, so selling everything leaves exactly zero and no basis is lost early.
    costBasis: replaced(position.costBasis, outcome, remaining === 0n ? 0n : ceilDiv(basis * remaining, held)),
    paid: position.paid,
    received: position.received + fill.amount,
  };
}

/** Value of the held shares at current prices (sum of shares_i * p_i), rounded down. Display only. */
export function markToMarket(state: LmsrState, shares: readonly bigint[]): bigint {
  const prices = spotPrices(state);
  return floorToUnits(shares.reduce((sum, held, index) => sum.plus(toDecimal(held).times(prices[index])), toDecimal(0n)));
}

function replaced(values: readonly bigint[], index: number, value: bigint): bigint[] {
  return values.map((current, at) => (at === index ? value : current));
}

function ceilDiv(numerator: bigint, denominator: bigint): bigint {
  return (numerator + denominator - 1n) / denominator;
}
