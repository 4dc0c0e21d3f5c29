/**
 * Every fill of one market (`$1`), one row per trade: the pool's trades (`market_trades`, which also holds the pool
 * steps of limit orders) and the book's trades (`market_order_fills`, taker row joined to its maker row by
 * `trade_id`; the pool steps there are skipped, they are already in `market_trades`). Both sides are read through
 * their (market_id, created_at) index, so a caller that adds a time range keeps it an index range scan.
 *
 * Columns: `id` (the trade id a fill response names), `venue` ('pool' | 'book'), `taker_side`, `outcome`,
 * `shares` and `notional` (cash before fee) in minor units, `amount` (the taker's cash: paid with fee on a buy,
 * received net of fee on a sell), `fee` (the taker's), `price` (per share before fee, 6 decimals),
 * `average_price` (amount / shares), `prices` (pool prices after a pool trade; null on book trades, which do not
 * move the pool), `created_at`, `taker_order_id` and `maker_order_id` (null where no order was involved).
 */
export const MARKET_FILLS_SQL = `
  SELECT tr.id, 'pool'::text AS venue, tr.side AS taker_side, tr.outcome, tr.shares,
         CASE WHEN tr.side = 'buy' THEN tr.amount - tr.fee ELSE tr.amount + tr.fee END AS notional,
         tr.amount, tr.fee,
         round(CASE WHEN tr.side = 'buy' THEN tr.amount - tr.fee ELSE tr.amount + tr.fee END / tr.shares, 6) AS price,
         tr.average_price, tr.prices, tr.created_at, NULL::uuid AS taker_order_id, NULL::uuid AS maker_order_id
    FROM market_trades tr
   WHERE tr.market_id = $1
  UNION ALL
  SELECT taker.trade_id, 'book'::text, taker.side, taker.outcome, taker.shares, taker.amount,
         CASE WHEN taker.side = 'buy' THEN taker.amount + taker.fee ELSE taker.amount - taker.fee END,
         taker.fee, taker.price,
         trunc(CASE WHEN taker.side = 'buy' THEN taker.amount + taker.fee ELSE taker.amount - taker.fee END / taker.shares, 6),
         NULL::numeric[], taker.created_at, taker.order_id, maker.order_id
    FROM market_order_fills taker
    JOIN market_order_fills maker
      ON maker.market_id = taker.market_id AND maker.created_at = taker.created_at AND maker.trade_id = taker.trade_id AND maker.liquidity = 'maker'
   WHERE taker.market_id = $1 AND taker.counterparty = 'book' AND taker.liquidity = 'taker'`;
