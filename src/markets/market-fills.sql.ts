/**
 * Every fill of one market (`$1`), one row per trade: the pool's trades (`market_trades`, which also holds the pool
 * steps of limit orders) and the book's trades (`market_order_fills`, the taker's row of each; the pool steps there
 * are skipped, they are already in `market_trades`). Both are read through their (market_id, created_at) index, so a
 * caller's time range stays an index range scan (no self-join for the maker: a range on the taker would not reach
 * it, and the maker's order is looked up by `makerOrderSql` for a page of trades only).
 *
 * Columns: `id` (the trade id a fill response names), `venue` ('pool' | 'book'), `taker_side`, `outcome`,
 * `shares` and `notional` (cash before fee) in minor units, `amount` (the taker's cash: paid with fee on a buy,
 * received net of fee on a sell), `fee` (the taker's), `price` (per share before fee, 6 decimals),
 * `average_price` (amount / shares), `prices` (pool prices after a pool trade; null on book trades, which do not
 * move the pool), `created_at`, `taker_order_id` (null where no order was involved).
 */
const POOL_FILLS = `
  SELECT tr.id, 'pool'::text AS venue, tr.side AS taker_side, tr.outcome, tr.shares,
         CASE WHEN tr.side = 'buy' THEN tr.amount - tr.fee ELSE tr.amount + tr.fee END AS notional,
         tr.amount, tr.fee,
         round(CASE WHEN tr.side = 'buy' THEN tr.amount - tr.fee ELSE tr.amount + tr.fee END / tr.shares, 6) AS price,
         tr.average_price, tr.prices, tr.created_at, NULL::uuid AS taker_order_id
    FROM market_trades tr
   WHERE tr.market_id = $1`;

const BOOK_FILLS = `
  SELECT taker.trade_id AS id, 'book'::text, taker.side, taker.outcome, taker.shares, taker.amount,
         CASE WHEN taker.side = 'buy' THEN taker.amount + taker.fee ELSE taker.amount - taker.fee END,
         taker.fee, taker.price,
         trunc(CASE WHEN taker.side = 'buy' THEN taker.amount + taker.fee ELSE taker.amount - taker.fee END / taker.shares, 6),
         NULL::numeric[], taker.created_at, taker.order_id
    FROM market_order_fills taker
   WHERE taker.market_id = $1 AND taker.counterparty = 'book' AND taker.liquidity = 'taker'`;

export const MARKET_FILLS_SQL = marketFillsSql();

/**
 * The fills query. `filter` (SQL over the unqualified columns both tables share: `outcome`, `created_at`) and
 * `newest` (an SQL expression) apply inside each side, which then keeps only its `newest` latest trades, read
 * backwards from its (market_id, created_at) index: a page of the newest trades, or the last trade before a time,
 * costs those rows and not the market's whole history.
 */
export function marketFillsSql({ filter, newest }: { filter?: string; newest?: string } = {}): string {
  const where = filter === undefined ? '' : ` AND (${filter})`;
  const latest = newest === undefined ? '' : `\n   ORDER BY created_at DESC, id DESC LIMIT ${newest}`;
  return `(${POOL_FILLS}${where}${latest})\n  UNION ALL\n  (${BOOK_FILLS}${where}${latest})`;
}

/** The resting order a book trade filled (same market, same command, so the same `created_at`); null for a pool trade. */
export function makerOrderSql(fill: string): string {
  return `(SELECT maker.order_id FROM market_order_fills maker
            WHERE ${fill}.venue = 'book' AND maker.market_id = $1 AND maker.created_at = ${fill}.created_at
              AND maker.trade_id = ${fill}.id AND maker.liquidity = 'maker')`;
}
