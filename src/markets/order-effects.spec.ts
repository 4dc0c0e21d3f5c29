import { LinearPool, OrderBook } from './book';
import { buyHold, orderCommandEffects, RestingOrderState } from './order-effects';

const TPU = 100;
const SHARE = 1_000_000n;

/** Sum per account key of the netted movements: every command's movements balance to zero. */
function total(effects: ReturnType<typeof orderCommandEffects>): bigint {
  return effects.movements.reduce((sum, movement) => sum + movement.amount, 0n);
}

function amountOf(effects: ReturnType<typeof orderCommandEffects>, key: string, bucket: 'available' | 'locked'): bigint {
  return effects.movements
    .filter((movement) => (typeof movement.account === 'string' ? movement.account : movement.account.userId) === key && movement.bucket === bucket)
    .reduce((sum, movement) => sum + movement.amount, 0n);
}

describe('orderCommandEffects', () => {
  it('a taker buy through a resting sell and the pool: the taker pays from its hold, the maker is paid, the rest of the hold is released', () => {
    const pool = new LinearPool({ startTick: 50, sharesPerTick: 10n * SHARE, ticksPerUnit: TPU });
    const book = new OrderBook({ ticksPerUnit: TPU, takerFeeBps: 100 }, pool);
    book.place({ id: 'ask', owner: 'maker', side: 'sell', price: 52, shares: 5n * SHARE, timeInForce: 'GTC' });
    const orders = new Map<string, RestingOrderState>([['ask', { userId: 'maker', side: 'sell', filledShares: 0n, lockedAmount: 0n }]]);
    const hold = buyHold(40n * SHARE, 60, TPU, 100);
    const result = book.place({ id: 'bid', owner: 'taker', side: 'buy', price: 60, shares: 40n * SHARE, timeInForce: 'IOC' });
    const effects = orderCommandEffects({ fills: result.fills, removed: result.removed, taker: { orderId: 'bid', userId: 'taker', hold, rests: false }, orders, creatorId: null, creatorShareBps: 0, ticksPerUnit: TPU });

    expect(total(effects)).toBe(0n);
    const paid = result.fills.filter((fill) => fill.orderId === 'bid').reduce((sum, fill) => sum + fill.amount + fill.fee, 0n);
    // The hold was taken before: from locked go the fills and the rest (released to available).
    expect(amountOf(effects, 'taker', 'locked')).toBe(-hold);
    expect(amountOf(effects, 'taker', 'available')).toBe(hold - paid);
    expect(amountOf(effects, 'maker', 'available')).toBe((5n * SHARE * 52n) / 100n);
    expect(effects.orderUpdates.get('ask')).toEqual({ filledShares: 5n * SHARE, status: 'filled', cancelReason: null, lockedAmount: 0n });
    expect(effects.takerLocked).toBe(0n);
    expect(effects.poolCash).toBe(pool.cash);
    expect(effects.positions.get('maker')).toEqual([{ side: 'sell', shares: 5n * SHARE, cash: (5n * SHARE * 52n) / 100n }]);
  });

  it('a resting buy filled as maker pays from its own hold; cancelled, the rest comes back', () => {
    const book = new OrderBook({ ticksPerUnit: TPU, takerFeeBps: 100, makerFeeBps: 0 });
    const hold = buyHold(10n * SHARE, 40, TPU, 100);
    book.place({ id: 'bid', owner: 'maker', side: 'buy', price: 40, shares: 10n * SHARE, timeInForce: 'GTC' });
    const orders = new Map<string, RestingOrderState>([['bid', { userId: 'maker', side: 'buy', filledShares: 0n, lockedAmount: hold }]]);
    const sold = book.place({ id: 'sell', owner: 'taker', side: 'sell', price: 30, shares: 4n * SHARE, timeInForce: 'IOC' });
    const effects = orderCommandEffects({ fills: sold.fills, removed: sold.removed, taker: { orderId: 'sell', userId: 'taker', hold: 0n, rests: false }, orders, creatorId: 'taker', creatorShareBps: 2000, ticksPerUnit: TPU });
    expect(total(effects)).toBe(0n);
    const amount = (4n * SHARE * 40n) / 100n;
    expect(amountOf(effects, 'maker', 'locked')).toBe(-amount);
    expect(amountOf(effects, 'taker', 'available')).toBe(amount - amount / 100n);
    // The seller is the creator: no creator share on its own fee.
    expect([effects.creatorFee, effects.platformFee]).toEqual([0n, amount / 100n]);
    const update = effects.orderUpdates.get('bid')!;
    expect(update).toMatchObject({ status: 'open', filledShares: 4n * SHARE, lockedAmount: hold - amount });

    const cancelled = book.cancel('bid');
    const after = orderCommandEffects({
      fills: [],
      removed: [cancelled.order!],
      orders: new Map([['bid', { userId: 'maker', side: 'buy', filledShares: update.filledShares, lockedAmount: update.lockedAmount }]]),
      creatorId: null,
      creatorShareBps: 0,
      ticksPerUnit: TPU,
    });
    expect(amountOf(after, 'maker', 'locked')).toBe(-(hold - amount));
    expect(amountOf(after, 'maker', 'available')).toBe(hold - amount);
    expect(after.orderUpdates.get('bid')).toMatchObject({ status: 'cancelled', cancelReason: 'user', lockedAmount: 0n });
  });

  it('holds price × shares plus the larger fee, rounded down', () => {
    expect(buyHold(50n * SHARE, 10, TPU, 100)).toBe(5_050_000n);
    expect(buyHold(333n * 100n, 33, TPU, 100)).toBe(10989n + 109n);
  });
});
