import { domainError } from '../../common/errors/domain-error';

/**
 * The symbol has no price younger than FEED_STALE_MS (the feed is down or the exchange stopped sending):
 * 503, since nothing is wrong with the request and retrying once prices flow again works.
 */
export class PriceFeedStale extends domainError(503, 'PriceFeedStale', (symbol: string, lastUpdateAt: number | null, staleMs: number) => ({
  message: lastUpdateAt === null ? `No price for ${symbol} yet` : `The price of ${symbol} is stale: no update for ${Math.max(0, Date.now() - lastUpdateAt)} ms (limit ${staleMs} ms)`,
  details: { symbol, lastUpdateAt: lastUpdateAt === null ? null : new Date(lastUpdateAt).toISOString(), staleMs },
})) {}
