import { SeededRandom } from '../../markets/amm/seeded-random';
import { pendingOrderFill, resolveTick } from './perp-math';
import { SortedChunks } from './sorted-chunks';
import { Crossed, TriggerEntry, TriggerIndex } from './trigger-index';

const longPosition = (id: string, liquidationPrice: bigint, stopLoss?: bigint, takeProfit?: bigint): TriggerEntry => ({ kind: 'position', id, side: 'long', liquidationPrice, stopLoss, takeProfit });
const shortPosition = (id: string, liquidationPrice: bigint, stopLoss?: bigint, takeProfit?: bigint): TriggerEntry => ({ kind: 'position', id, side: 'short', liquidationPrice, stopLoss, takeProfit });
const order = (id: string, side: 'long' | 'short', type: 'limit' | 'stop', price: bigint): TriggerEntry => ({ kind: 'order', id, side, type, price });

const summary = (crossed: Crossed[]) => crossed.map((item) => `${item.id}:${item.kind === 'position' ? item.reason : item.type}@${item.fillPrice}`);

/** The brute-force oracle: every entry checked against the quote with the core's own rules, ordered as the index promises. */
function scan(entries: Iterable<TriggerEntry>, bid: bigint, ask: bigint): Crossed[] {
  const positions: Crossed[] = [];
  const orders: Crossed[] = [];
  for (const entry of entries) {
    if (entry.kind === 'position') {
      const fill = resolveTick(entry, bid, ask);
      if (fill) positions.push({ kind: 'position', id: entry.id, side: entry.side, ...fill });
    } else {
      const fill = pendingOrderFill(entry, bid, ask);
      if (fill) orders.push({ kind: 'order', id: entry.id, side: entry.side, type: entry.type, triggerPrice: entry.price, ...fill });
    }
  }
  const byGapThenId = (a: Crossed, b: Crossed) => (a.slippage !== b.slippage ? (a.slippage > b.slippage ? -1 : 1) : a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  return [...positions.sort(byGapThenId), ...orders.sort(byGapThenId)];
}

describe('SortedChunks', () => {
  it('keeps order through inserts (with duplicates), deletes and chunk splits', () => {
    const random = new SeededRandom(3);
    const set = new SortedChunks<number>((a, b) => a - b);
    const model: number[] = [];
    for (let i = 0; i < 20_000; i++) {
      if (model.length > 0 && random.next() < 0.4) {
        const value = random.pick(model);
        expect(set.delete(value)).toBe(true);
        model.splice(model.indexOf(value), 1);
      } else {
        const value = random.int(0, 5_000);
        set.insert(value);
        model.push(value);
      }
    }
    model.sort((a, b) => a - b);
    expect(set.toArray()).toEqual(model);
    expect(set.size).toBe(model.length);
    expect(set.min()).toBe(model[0]);
    expect(set.max()).toBe(model[model.length - 1]);
    expect(set.delete(-1)).toBe(false);
    expect([...set.ascendingWhile((value) => value <= 10)]).toEqual(model.filter((value) => value <= 10));
    expect([...set.descendingWhile((value) => value >= 4_990)]).toEqual(model.filter((value) => value >= 4_990).reverse());
  });
});

describe('TriggerIndex', () => {
  it('a trigger exactly at the tick price fires (every book)', () => {
    const index = new TriggerIndex('BTC_USDC_PERP');
    index.add(longPosition('a', 90n, 95n, 120n));
    index.add(shortPosition('b', 110n, 105n, 80n));
    index.add(order('c', 'long', 'limit', 99n));
    index.add(order('d', 'short', 'limit', 101n));
    expect(index.crossed(100n, 101n)).toEqual([]);
    expect(summary(index.crossed(101n, 102n))).toEqual(['d:limit@101']);
    expect(summary(index.crossed(95n, 99n))).toEqual(['a:stop_loss@95', 'c:limit@99']);
    // The wide ask liquidates the short (gap 11) before the long's take-profit at exactly 120 (gap 0).
    expect(summary(index.crossed(120n, 121n))).toEqual(['b:liquidation@121', 'a:take_profit@120', 'd:limit@120']);
    expect(summary(index.crossed(104n, 105n))).toEqual(['b:stop_loss@105', 'd:limit@104']);
    expect(summary(index.crossed(79n, 80n))).toEqual(['a:liquidation@79', 'b:take_profit@80', 'c:limit@80']);
    expect(summary(index.crossed(90n, 91n))).toEqual(['a:liquidation@90', 'c:limit@91']);
    expect(summary(index.crossed(109n, 110n))).toEqual(['b:liquidation@110', 'd:limit@109']);
  });

  it('a gap through several triggers in one tick: positions first, earliest crossed first, one reason each', () => {
    const index = new TriggerIndex('ETH_USDC_PERP');
    index.add(longPosition('p1', 80n, 90n));
    index.add(longPosition('p2', 85n, 97n));
    index.add(longPosition('p3', 70n, 88n));
    index.add(longPosition('p4', 60n));
    index.add(order('o1', 'short', 'stop', 95n));
    index.add(order('o2', 'short', 'stop', 99n));
    const crossed = index.crossed(84n, 85n);
    // p2: liquidation (85 ≥ 84) wins over its stop 97; p1 and p3 stop; p4 untouched.
    expect(summary(crossed)).toEqual(['p1:stop_loss@84', 'p3:stop_loss@84', 'p2:liquidation@84', 'o2:stop@84', 'o1:stop@84']);
    expect(crossed[0]).toMatchObject({ triggerPrice: 90n, slippage: 6n });
    expect(crossed[2]).toMatchObject({ reason: 'liquidation', triggerPrice: 85n, slippage: 1n });
    // Equal gaps order by id.
    index.add(longPosition('p0', 70n, 88n));
    expect(summary(index.crossed(84n, 85n)).slice(0, 3)).toEqual(['p1:stop_loss@84', 'p0:stop_loss@84', 'p3:stop_loss@84']);
  });

  it('remove then tick, re-add, replace, takeCrossed', () => {
    const index = new TriggerIndex('SOL_USDC_PERP');
    index.add(longPosition('a', 90n, 95n, 120n));
    index.add(order('b', 'long', 'stop', 110n));
    expect(index.size).toBe(2);
    expect(index.legCount).toBe(4);
    expect(index.remove('a')).toBe(true);
    expect(index.remove('a')).toBe(false);
    expect(index.crossed(80n, 81n)).toEqual([]);
    expect(index.legCount).toBe(1);
    index.add(longPosition('a', 90n, 95n, 120n));
    expect(summary(index.crossed(80n, 81n))).toEqual(['a:liquidation@80']);
    // Replacing an entry (a moved stop) drops the old legs.
    index.add(longPosition('a', 90n, 93n));
    expect(index.legCount).toBe(3);
    expect(index.crossed(94n, 95n)).toEqual([]);
    expect(summary(index.crossed(125n, 126n))).toEqual(['b:stop@126']); // a's take-profit was dropped
    expect(summary(index.takeCrossed(130n, 131n))).toEqual(['b:stop@131']);
    expect(index.has('b')).toBe(false);
    expect(index.crossed(130n, 131n)).toEqual([]);
  });

  it('a long never liquidated by price holds no liquidation leg', () => {
    const index = new TriggerIndex('ADA_USDC_PERP');
    index.add(longPosition('a', 0n));
    expect(index.legCount).toBe(0);
    expect(index.crossed(1n, 2n)).toEqual([]);
  });

  it('100k entries with random ticks, removals and re-adds agree with a brute-force scan', () => {
    const random = new SeededRandom(2024);
    const index = new TriggerIndex('BTC_USDC_PERP');
    const live = new Map<string, TriggerEntry>();
    const around = (centre: bigint, spread: bigint) => centre - spread + random.bigint(0n, 2n * spread);
    const makeEntry = (id: string, centre: bigint): TriggerEntry => {
      const side = random.pick(['long', 'short'] as const);
      if (random.next() < 0.25) return order(id, side, random.pick(['limit', 'stop'] as const), around(centre, 2_000n));
      const maybe = (value: bigint) => (random.next() < 0.5 ? value : undefined);
      if (side === 'long') {
        const liquidation = random.next() < 0.05 ? 0n : around(centre - 1_000n, 800n);
        return longPosition(id, liquidation, maybe(liquidation + random.bigint(1n, 500n)), maybe(centre + random.bigint(1n, 2_000n)));
      }
      const liquidation = around(centre + 1_000n, 800n);
      return shortPosition(id, liquidation, maybe(liquidation - random.bigint(1n, 500n)), maybe(centre - random.bigint(1n, 2_000n)));
    };
    const centre = 100_000n;
    for (let i = 0; i < 100_000; i++) {
      const entry = makeEntry(`e${i.toString().padStart(6, '0')}`, centre);
      index.add(entry);
      live.set(entry.id, entry);
    }
    expect(index.size).toBe(100_000);

    let firedTotal = 0;
    let next = 100_000;
    for (let tick = 0; tick < 60; tick++) {
      // Mostly quiet ticks near the centre, some wide gaps (spreads widening, jumps) that fire thousands.
      const mid = tick % 10 === 9 ? around(centre, 3_000n) : around(centre, 100n);
      const spread = random.next() < 0.2 ? random.bigint(0n, 500n) : random.bigint(0n, 5n);
      const bid = mid;
      const ask = mid + spread;
      const expected = scan(live.values(), bid, ask);
      const actual = tick % 2 === 0 ? index.crossed(bid, ask) : index.takeCrossed(bid, ask);
      expect(actual.length).toBe(expected.length);
      expect(actual).toEqual(expected);
      firedTotal += actual.length;
      if (tick % 2 === 1) for (const item of actual) live.delete(item.id);
      // Churn: remove some, re-add some (same id, new triggers), add new ones.
      const ids = [...live.keys()];
      for (let k = 0; k < 200; k++) {
        const id = random.pick(ids);
        if (!live.has(id)) continue;
        if (random.next() < 0.5) {
          index.remove(id);
          live.delete(id);
        } else {
          const entry = makeEntry(id, centre);
          index.add(entry);
          live.set(id, entry);
        }
      }
      for (let k = 0; k < 200; k++) {
        const entry = makeEntry(`n${next++}`, centre);
        index.add(entry);
        live.set(entry.id, entry);
      }
      expect(index.size).toBe(live.size);
    }
    expect(firedTotal).toBeGreaterThan(1_000);
  });
});
