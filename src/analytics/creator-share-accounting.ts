/**
 * Creator-share P&L with average-cost accounting, from a user's trade history (pure: no Nest, no database).
 * Per creator, the bought shares form one pool whose cost is what the buys paid, fees included; a sell takes
 * the pool's average cost per share for the shares it sells (integer minor units, rounded down; the last share
 * out takes whatever cost is left, so a position sold out has realised exactly proceeds − cost). The creator's
 * granted share 1 is not in the pool: it cost nothing and can never be sold. The venue itself sells lots oldest
 * first (for their lock-up); the accounting is by average cost, as the statistics report it.
 */

export interface ShareTrade {
  creatorId: string;
  side: 'grant' | 'buy' | 'sell';
  shares: bigint;
  /** Paid on a buy (value plus fees), received on a sell (value less fees). */
  total: bigint;
  fees: bigint;
  at: Date;
}

export interface SharePool {
  shares: bigint;
  cost: bigint;
}

/** The period's trading and the pools after the whole history. */
export interface ShareAccount {
  buys: number;
  sells: number;
  sharesBought: bigint;
  sharesSold: bigint;
  spent: bigint;
  received: bigint;
  fees: bigint;
  /** Proceeds of the period's sells less their average cost. */
  realisedPnl: bigint;
  /** Sells of the period that realised a gain. */
  winningSells: number;
  pools: Map<string, SharePool>;
}

/** `trades` oldest first; only those at or after `since` count in the period figures (every trade moves the pools). */
export function accountShareTrades(trades: readonly ShareTrade[], since: Date | null): ShareAccount {
  const account: ShareAccount = { buys: 0, sells: 0, sharesBought: 0n, sharesSold: 0n, spent: 0n, received: 0n, fees: 0n, realisedPnl: 0n, winningSells: 0, pools: new Map() };
  for (const trade of trades) {
    if (trade.side === 'grant') continue;
    const inPeriod = since === null || trade.at.getTime() >= since.getTime();
    const pool = account.pools.get(trade.creatorId) ?? { shares: 0n, cost: 0n };
    account.pools.set(trade.creatorId, pool);
    if (trade.side === 'buy') {
      pool.shares += trade.shares;
      pool.cost += trade.total;
      if (inPeriod) {
        account.buys += 1;
        account.sharesBought += trade.shares;
        account.spent += trade.total;
        account.fees += trade.fees;
      }
      continue;
    }
    // A sell of more than the pool holds cannot happen (sells drain bought lots); treat the excess as cost-free.
    const fromPool = trade.shares < pool.shares ? trade.shares : pool.shares;
    const cost = fromPool === pool.shares ? pool.cost : (pool.cost * fromPool) / pool.shares;
    pool.shares -= fromPool;
    pool.cost -= cost;
    if (inPeriod) {
      const realised = trade.total - cost;
      account.sells += 1;
      account.sharesSold += trade.shares;
      account.received += trade.total;
      account.fees += trade.fees;
      account.realisedPnl += realised;
      if (realised > 0n) account.winningSells += 1;
    }
  }
  return account;
}
