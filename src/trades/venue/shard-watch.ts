import { legCrossed, pendingOrderCrossed, type PendingOrderType, type PerpSide, type TriggerReason } from '../core/perp-math';

/** What a shard watches on every tick: open positions' trigger legs and open orders' prices. */
export type Watched =
  | { kind: 'position'; id: string; side: PerpSide; legs: { reason: TriggerReason; price: bigint }[] }
  | { kind: 'order'; id: string; side: PerpSide; type: PendingOrderType; price: bigint };

/**
 * The shard's watch list: `crossed(bid, ask)` names every position with a leg crossed and every order whose
 * price is crossed on this quote. (A linear scan for now; the core's TriggerIndex replaces it.)
 */
export class ShardWatch {
  private readonly watched = new Map<string, Watched>();

  get size(): number {
    return this.watched.size;
  }

  set(entry: Watched): void {
    this.watched.set(`${entry.kind}:${entry.id}`, entry);
  }

  remove(kind: Watched['kind'], id: string): void {
    this.watched.delete(`${kind}:${id}`);
  }

  crossed(bid: bigint, ask: bigint): Watched[] {
    const fired: Watched[] = [];
    for (const entry of this.watched.values()) {
      if (entry.kind === 'order') {
        if (pendingOrderCrossed(entry, bid, ask)) fired.push(entry);
        continue;
      }
      const price = entry.side === 'long' ? bid : ask;
      if (entry.legs.some((leg) => legCrossed(entry.side, leg.reason, leg.price, price))) fired.push(entry);
    }
    return fired;
  }
}
