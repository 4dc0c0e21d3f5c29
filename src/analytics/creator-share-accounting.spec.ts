import { accountShareTrades, type ShareTrade } from './creator-share-accounting';

const at = (minute: number) => new Date(Date.UTC(2026, 11, 1, 0, minute));
const buy = (creatorId: string, shares: bigint, total: bigint, minute: number, fees = 0n): ShareTrade => ({ creatorId, side: 'buy', shares, total, fees, at: at(minute) });
const sell = (creatorId: string, shares: bigint, total: bigint, minute: number, fees = 0n): ShareTrade => ({ creatorId, side: 'sell', shares, total, fees, at: at(minute) });

describe('creator-share average-cost accounting', () => {
  it('realises proceeds less the average cost of the shares sold, fees in the cost and out of the proceeds', () => {
    // 2 shares for 10, then 2 for 20: 4 shares costing 30, 7.5 each. Selling 1 for 9 realises 1.5.
    const account = accountShareTrades([buy('c', 2n, 10_000_000n, 1, 500_000n), buy('c', 2n, 20_000_000n, 2, 900_000n), sell('c', 1n, 9_000_000n, 3, 400_000n)], null);
    expect(account).toMatchObject({ buys: 2, sells: 1, sharesBought: 4n, sharesSold: 1n, spent: 30_000_000n, received: 9_000_000n, fees: 1_800_000n, realisedPnl: 1_500_000n, winningSells: 1 });
    expect(account.pools.get('c')).toEqual({ shares: 3n, cost: 22_500_000n });
  });

  it('rounds the average down and lets the last share out take the cost left, so a closed position realised exactly proceeds − cost', () => {
    const trades = [buy('c', 3n, 10n, 1), sell('c', 1n, 4n, 2), sell('c', 1n, 4n, 3), sell('c', 1n, 4n, 4)];
    const account = accountShareTrades(trades, null);
    // Costs taken: 3 (10/3 floored), 3 (7/2 floored), 4 (the rest).
    expect(account.realisedPnl).toBe(12n - 10n);
    expect(account.pools.get('c')).toEqual({ shares: 0n, cost: 0n });
    expect(account.winningSells).toBe(2);
  });

  it('keeps each creator its own pool and ignores the creator\'s granted share 1 (cost-free, never sold)', () => {
    const grant: ShareTrade = { creatorId: 'me', side: 'grant', shares: 1n, total: 0n, fees: 0n, at: at(0) };
    const account = accountShareTrades([grant, buy('me', 2n, 8n, 1), buy('other', 1n, 100n, 2), sell('me', 2n, 6n, 3)], null);
    expect(account.realisedPnl).toBe(-2n);
    expect(account.pools.get('me')).toEqual({ shares: 0n, cost: 0n });
    expect(account.pools.get('other')).toEqual({ shares: 1n, cost: 100n });
    expect(account.sharesBought).toBe(3n);
  });

  it('counts only the period\'s trades, the cost of a sell still coming from buys before the period', () => {
    const trades = [buy('c', 2n, 20n, 1), buy('c', 2n, 40n, 5), sell('c', 2n, 50n, 6)];
    const account = accountShareTrades(trades, at(5));
    expect(account).toMatchObject({ buys: 1, sells: 1, sharesBought: 2n, spent: 40n, received: 50n, realisedPnl: 50n - 30n });
    expect(account.pools.get('c')).toEqual({ shares: 2n, cost: 30n });
    expect(accountShareTrades(trades, at(7))).toMatchObject({ buys: 0, sells: 0, spent: 0n, realisedPnl: 0n });
  });
});
