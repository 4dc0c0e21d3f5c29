import { emptyPosition, MarketPosition } from './amm';
import type { PositionRow } from './market.repository';

/** A `market_positions` row (or none yet) as the pure position the AMM and the order book work on. */
export function positionOfRow(row: PositionRow | undefined, outcomeCount: number): MarketPosition {
  if (!row) return emptyPosition(outcomeCount);
  return {
    shares: row.shares.map(BigInt),
    costBasis: row.cost_basis.map(BigInt),
    paid: BigInt(row.paid),
    received: BigInt(row.received),
  };
}
