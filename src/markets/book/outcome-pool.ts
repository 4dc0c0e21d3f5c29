/**
 * The market maker as the order book sees it: one outcome of the market's pool, priced in the book's ticks.
 *
 * Every method is a pure quote from the pool's committed state shifted by `delta`, the shares this command has
 * already bought from the pool (positive) or sold to it (negative), so the book can plan a whole command,
 * FOK included, without touching the pool and book it with one `commit` at the end. A path-independent maker
 * (LMSR, CPMM on one outcome) implements this directly: its state after buying n then m equals that after n + m.
 *
 * Rounding is always in the pool's favour: costs up, proceeds down, share counts down. The methods must not
 * throw for the arguments the book passes (share counts the pool itself offered): a throw in the middle of a
 * command would leave the book half-applied, so it is a bug, and the engine rebuilds the shard from PostgreSQL.
 */
export interface OutcomePool {
  /**
   * The most share units a buyer can take from the state shifted by `delta` before the marginal price of the
   * outcome would rise above `priceTick / ticksPerUnit`; 0 when it is already there. Not rounded to lots.
   */
  sharesToBuyUntil(priceTick: number, delta: bigint): bigint;
  /**
   * The most share units the pool takes back from the shifted state before the marginal price would fall below
   * `priceTick / ticksPerUnit`, and never more than it has outstanding; 0 when it is already there.
   */
  sharesToSellUntil(priceTick: number, delta: bigint): bigint;
  /** What buying `shares` from the shifted state costs, before fee, rounded up (cash minor units). */
  costToBuy(shares: bigint, delta: bigint): bigint;
  /**
   * The most share units `cash` buys from the shifted state (costToBuy of them at most `cash`), with no price
   * limit; 0 when it buys none. For market orders: what the AMM's buy gets for the cash left after its fee.
   */
  sharesForCost(cash: bigint, delta: bigint): bigint;
  /** What selling `shares` to the shifted state pays, before fee, rounded down. */
  proceedsOfSale(shares: bigint, delta: bigint): bigint;
  /**
   * Books one command's trades with the pool: `shares` bought from it (negative: sold to it) and the `cash`
   * it received (negative: paid). Called once per command that traded with the pool, after planning succeeded.
   */
  commit(shares: bigint, cash: bigint): void;
}
