import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { LedgerService, Movement, Posting, Postings, SystemAccount } from '../accounts/ledger.service';
import { AppConfig } from '../config/app-config';
import { DomainEventBus } from '../common/events/domain-event-bus';
import { InvalidField, NotFound } from '../common/errors/domain-error';
import { Page, offsetOf, toPage } from '../common/http/pagination';
import { commandTransaction, whenCommitted } from '../common/transactions/command-transaction';
import { isUuid } from '../common/ids';
import { CreatorEarnings } from '../creators/creator-earnings.service';
import { applyFill, assertPoolInvariant, InsufficientShares, MarketPosition, priceStrings } from './amm';
import { LmsrMarketPool, OrderBook, OutcomePool, OrderSnapshot } from './book';
import { MarketEntity } from './market.entity';
import { BookDeltaDto, BookDto, BookLevelDto, CancelledOrdersDto, MyOrdersQueryDto, OrderDto, OrderFillDto, PlacedOrderDto, PlaceOrderDto } from './market-order.dto';
import type { OutcomeRef } from './market.dto';
import { MarketListCache } from './market-list.cache';
import { MarketJobs } from './market-jobs';
import { assertTradable, formatUnits, lmsrStateOf, parseUnits, resolveOutcome } from './market-rules';
import { MarketRepository, poolOf } from './market.repository';
import { MarketEvent } from './markets.events';
import { buyHold, ledgerMovements, OrderCommandEffects, orderCommandEffects, RestingOrderState, tickPrice } from './order-effects';
import { positionOfRow } from './market-positions';
import { assertWholeLots, parsePriceTick } from './market-tick';

const UNIT_SCALE = 1_000_000n;

/** A price level of one outcome's book, named by its side and tick. */
interface BookLevelRef {
  outcome: number;
  side: 'buy' | 'sell';
  tick: number;
}

/** A `market_orders` row as node-postgres returns it. */
interface OrderRow {
  id: string;
  market_id: string;
  user_id: string;
  outcome: number;
  side: 'buy' | 'sell';
  price_tick: number;
  ticks_per_unit: number;
  shares: string;
  filled_shares: string;
  status: OrderDto['status'];
  time_in_force: OrderDto['timeInForce'];
  post_only: boolean;
  stp: 'cancel_resting' | 'cancel_taker';
  expires_at: Date | null;
  locked_amount: string;
  created_at: Date;
}

const ORDER_COLUMNS = `id, market_id, user_id, outcome, side, price_tick, ticks_per_unit, shares, filled_shares, status, time_in_force,
  post_only, stp, expires_at, locked_amount, created_at`;

/**
 * Limit orders on outcome shares (issue 14), matched by the pure `OrderBook` against resting orders and the
 * market's LMSR pool. Each command is one transaction under the market row's lock (the same lock AMM trades and
 * lifecycle steps take, so everything on one market runs one at a time in arrival order): the outcome's book is
 * rebuilt from its open orders, the command runs on it, and its effects (ledger posting, positions, order rows,
 * fills, pool state) are written before the lock is released. The engine move (book in memory, batched commits)
 * is the next step; this path is the exact reference it must equal.
 */
@Injectable()
export class MarketOrdersService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly ledger: LedgerService,
    private readonly events: DomainEventBus,
    private readonly config: AppConfig,
    private readonly listCache: MarketListCache,
    private readonly creatorEarnings: CreatorEarnings,
    private readonly jobs: MarketJobs,
  ) {}

  private readonly logger = new Logger('MarketOrders');

  async place(userId: string, marketId: string, body: PlaceOrderDto): Promise<PlacedOrderDto> {
    const shares = parseUnits(body.shares, 'shares');
    const expiresAt = parseExpiry(body);
    if (body.postOnly && body.timeInForce !== 'GTC' && body.timeInForce !== 'GTD') throw new InvalidField('postOnly', 'is for GTC and GTD orders only');

    let traded = false;
    const placed = await commandTransaction(this.dataSource, async (manager) => {
      const { market, position } = await MarketRepository.lockWithPosition(manager, marketId, userId);
      // Prices and sizes are checked against this market's tick (fixed at creation), so only once its row is read.
      const priceTick = parsePriceTick(body.price, market.ticksPerUnit);
      assertWholeLots(shares, market.ticksPerUnit);
      assertTradable(market);
      const outcome = resolveOutcome(await MarketRepository.labels(manager, marketId), body.outcome);
      const now = Date.now();
      await this.expireDueLocked(manager, market, now);
      const resting = await this.openOrders(manager, marketId, outcome);
      const pool = new LmsrMarketPool(lmsrStateOf(market), market.ticksPerUnit);
      const book = this.rebuild(market, resting, pool.outcome(outcome));

      if (body.side === 'sell') {
        const held = positionOfRow(position, market.outstandingShares.length).shares[outcome];
        const offered = resting.filter((row) => row.user_id === userId && row.side === 'sell').reduce((sum, row) => sum + remainingOf(row), 0n);
        if (shares > held - offered) {
          throw new InsufficientShares(`Cannot offer ${formatUnits(shares)} shares of outcome ${outcome}: you hold ${formatUnits(held)}, ${formatUnits(offered)} of them already in open sell orders`, {
            outcome,
            shares: formatUnits(shares),
            held: formatUnits(held),
            inOpenOrders: formatUnits(offered),
          });
        }
      }
      const id = randomUUID();
      const hold = body.side === 'buy' ? buyHold(shares, priceTick, market.ticksPerUnit, Math.max(market.feeBps, this.config.makerFeeBps)) : 0n;
      const result = book.place({
        id,
        owner: userId,
        side: body.side,
        price: priceTick,
        shares,
        timeInForce: body.timeInForce,
        expiresAt: expiresAt?.getTime(),
        postOnly: body.postOnly === true,
        stp: body.stp,
        now,
      });
      const order = result.order!;
      const rests = order.status === 'open';
      const effects = orderCommandEffects({
        fills: result.fills,
        removed: result.removed,
        taker: { orderId: id, userId, hold, rests },
        orders: restingStates(resting),
        creatorId: market.creatorId,
        creatorShareBps: market.creatorFeeShareBps,
        ticksPerUnit: market.ticksPerUnit,
      });
      const [row] = (await manager.query(
        `INSERT INTO market_orders (id, market_id, user_id, outcome, side, price_tick, ticks_per_unit, shares, filled_shares, status, cancel_reason,
                time_in_force, post_only, stp, expires_at, locked_amount)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING ${ORDER_COLUMNS}`,
        [
          id,
          marketId,
          userId,
          outcome,
          body.side,
          priceTick,
          market.ticksPerUnit,
          shares.toString(),
          order.filledShares.toString(),
          order.status,
          order.reason ?? null,
          body.timeInForce,
          body.postOnly === true,
          body.stp ?? 'cancel_resting',
          expiresAt ?? null,
          (rests ? effects.takerLocked : 0n).toString(),
        ],
      )) as OrderRow[];
      traded = effects.trades > 0;
      const tradeIds = await this.apply(manager, market, outcome, pool, effects, {
        holdOf: hold > 0n ? { userId, amount: hold, reference: `market-order:${id}` } : undefined,
      });
      const levels: BookLevelRef[] = [
        ...result.fills.filter((fill) => fill.liquidity === 'maker').map((fill) => ({ outcome, side: fill.side, tick: fill.price })),
        ...result.removed.map((removed) => ({ outcome, side: removed.side, tick: removed.price })),
        ...(rests ? [{ outcome, side: body.side, tick: priceTick }] : []),
      ];
      await this.publishLevels(manager, marketId, market.ticksPerUnit, levels);
      const dto = orderDto(row);
      this.events.afterCommit(manager, { name: 'order.updated', payload: { userId, order: { kind: 'market-order', ...dto } } });
      const fills: OrderFillDto[] = effects.fillRecords
        .filter((fill) => fill.orderId === id)
        .map((fill) => ({
          tradeId: tradeIds.get(fill.tradeNumber)!,
          price: fill.price,
          shares: formatUnits(fill.shares),
          amount: formatUnits(fill.amount),
          fee: formatUnits(fill.fee),
          liquidity: fill.liquidity,
          counterparty: fill.counterparty,
        }));
      return { order: dto, fills };
    });
    await whenCommitted(async () => {
      if (traded) await this.listCache.invalidate();
      // If this enqueue is lost, the minute sweep expires the order; until then no taker can fill it (the book skips it).
      if (expiresAt && placed.order.status === 'open') {
        await this.jobs.scheduleOrderExpiry(marketId, expiresAt).catch((error: Error) => this.logger.error(`expiry job of market ${marketId} not scheduled: ${error.message}`));
      }
    });
    return placed;
  }

  /** Cancels one of the caller's orders. Someone else's order (or an unknown id) is 404; one no longer open is returned as it is. */
  async cancel(userId: string, marketId: string, orderId: string): Promise<OrderDto> {
    return commandTransaction(this.dataSource, async (manager) => {
      await MarketRepository.lockForUpdate(manager, marketId);
      const [row] = isUuid(orderId)
        ? ((await manager.query(`SELECT ${ORDER_COLUMNS} FROM market_orders WHERE id = $1 AND market_id = $2 AND user_id = $3`, [
            orderId,
            marketId,
            userId,
          ])) as OrderRow[])
        : [];
      if (!row) throw new NotFound(`Order ${orderId} not found on market ${marketId}`);
      if (row.status !== 'open') return orderDto(row);
      const [cancelled] = await this.removeLocked(manager, [row], 'cancelled', 'user');
      return cancelled;
    });
  }

  /** Cancels every open order of the caller on the market. */
  async cancelAll(userId: string, marketId: string): Promise<CancelledOrdersDto> {
    return commandTransaction(this.dataSource, async (manager) => {
      await MarketRepository.lockForUpdate(manager, marketId);
      const rows = (await manager.query(`SELECT ${ORDER_COLUMNS} FROM market_orders WHERE market_id = $1 AND user_id = $2 AND status = 'open' ORDER BY seq`, [
        marketId,
        userId,
      ])) as OrderRow[];
      return { cancelled: await this.removeLocked(manager, rows, 'cancelled', 'user') };
    });
  }

  async listMine(userId: string, query: MyOrdersQueryDto): Promise<Page<OrderDto>> {
    const conditions = ['user_id = $1'];
    const values: unknown[] = [userId];
    if (query.status) conditions.push(`status = $${values.push(query.status)}`);
    if (query.marketId) conditions.push(`market_id = $${values.push(query.marketId)}`);
    const where = conditions.join(' AND ');
    const rows = (await this.dataSource.query(
      `SELECT ${ORDER_COLUMNS} FROM market_orders WHERE ${where} ORDER BY created_at DESC, seq DESC LIMIT $${values.length + 1} OFFSET $${values.length + 2}`,
      [...values, query.limit, offsetOf(query)],
    )) as OrderRow[];
    const [{ total }] = (await this.dataSource.query(`SELECT count(*)::int AS total FROM market_orders WHERE ${where}`, values)) as { total: number }[];
    return toPage(rows.map(orderDto), total, query);
  }

  /**
   * Cancels every open order of a market that closes, resolves or is cancelled, releasing their holds, in the
   * lifecycle step's own transaction (the caller holds the market row's lock).
   */
  async cancelAllOfMarketLocked(manager: EntityManager, marketId: string): Promise<number> {
    const rows = (await manager.query(`SELECT ${ORDER_COLUMNS} FROM market_orders WHERE market_id = $1 AND status = 'open' ORDER BY seq`, [marketId])) as OrderRow[];
    await this.removeLocked(manager, rows, 'cancelled', 'closed');
    return rows.length;
  }

  /**
   * Positions whose open sell orders offer more shares of an outcome than they hold (a bug if any: the reconciliation
   * reports them). At most 100.
   */
  async oversoldPositions(): Promise<{ marketId: string; userId: string; outcome: number; offered: string; held: string }[]> {
    const rows = (await this.dataSource.query(
      `SELECT o.market_id, o.user_id, o.outcome, sum(o.shares - o.filled_shares)::text AS offered, coalesce(p.shares[o.outcome + 1], 0)::text AS held
         FROM market_orders o LEFT JOIN market_positions p ON p.market_id = o.market_id AND p.user_id = o.user_id
        WHERE o.status = 'open' AND o.side = 'sell'
        GROUP BY o.market_id, o.user_id, o.outcome, p.shares
       HAVING sum(o.shares - o.filled_shares) > coalesce(p.shares[o.outcome + 1], 0)
        LIMIT 100`,
    )) as { market_id: string; user_id: string; outcome: number; offered: string; held: string }[];
    return rows.map((row) => ({ marketId: row.market_id, userId: row.user_id, outcome: row.outcome, offered: formatUnits(BigInt(row.offered)), held: formatUnits(BigInt(row.held)) }));
  }

  /** Markets with GTD orders past their expiry (for the sweep). */
  async marketsWithDueOrders(limit = 100): Promise<string[]> {
    const rows = (await this.dataSource.query(
      `SELECT DISTINCT market_id FROM market_orders WHERE status = 'open' AND expires_at IS NOT NULL AND expires_at <= now() LIMIT $1`,
      [limit],
    )) as { market_id: string }[];
    return rows.map((row) => row.market_id);
  }

  /** Expires a market's due GTD orders and releases their holds (the sweep; commands also do it first). */
  async expireDue(marketId: string, now: number = Date.now()): Promise<number> {
    return this.dataSource.transaction(async (manager) => {
      const market = await MarketRepository.lockForUpdate(manager, marketId);
      return this.expireDueLocked(manager, market, now);
    });
  }

  private async expireDueLocked(manager: EntityManager, market: MarketEntity, now: number): Promise<number> {
    const rows = (await manager.query(
      `SELECT ${ORDER_COLUMNS} FROM market_orders WHERE market_id = $1 AND status = 'open' AND expires_at IS NOT NULL AND expires_at <= $2 ORDER BY seq`,
      [market.id, new Date(now)],
    )) as OrderRow[];
    await this.removeLocked(manager, rows, 'expired', 'expired');
    return rows.length;
  }

  /** Takes resting orders off the book without filling them: rows updated, buy holds released, owners told. */
  private async removeLocked(manager: EntityManager, rows: OrderRow[], status: 'cancelled' | 'expired', reason: 'user' | 'closed' | 'expired'): Promise<OrderDto[]> {
    if (rows.length === 0) return [];
    const removed: OrderSnapshot[] = rows.map((row) => ({ ...snapshotOf(row), status, reason }));
    const effects = orderCommandEffects({
      fills: [],
      removed,
      orders: restingStates(rows),
      creatorId: null,
      creatorShareBps: 0,
      ticksPerUnit: rows[0].ticks_per_unit,
    });
    if (effects.movements.length > 0) {
      await this.ledger.post(manager, {
        kind: status === 'expired' ? 'market.order.expire' : 'market.order.cancel',
        reference: `market:${rows[0].market_id}`,
        movements: ledgerMovements(effects, poolOf(rows[0].market_id), SystemAccount.fees),
      });
    }
    const updated = await this.writeOrderUpdates(manager, effects);
    await this.publishLevels(
      manager,
      rows[0].market_id,
      rows[0].ticks_per_unit,
      rows.map((row) => ({ outcome: row.outcome, side: row.side, tick: row.price_tick })),
    );
    return updated;
  }

  /** One outcome's aggregated book, best levels first, with the sequence of the last delta it reflects (one statement: one snapshot). */
  async book(marketId: string, outcomeRef: OutcomeRef, depth: number): Promise<BookDto> {
    const manager = this.dataSource.manager;
    const { ticksPerUnit } = await MarketRepository.find(manager, marketId);
    const outcome = resolveOutcome(await MarketRepository.labels(manager, marketId), outcomeRef);
    const rows = (await manager.query(
      `SELECT s.sequence, l.side, l.price_tick, l.shares, l.orders
         FROM (SELECT coalesce((SELECT sequence FROM market_order_books WHERE market_id = $1 AND outcome = $2), 0)::text AS sequence) s
         LEFT JOIN (SELECT side, price_tick, sum(shares - filled_shares)::text AS shares, count(*)::int AS orders
                      FROM market_orders WHERE market_id = $1 AND outcome = $2 AND status = 'open' GROUP BY side, price_tick) l ON true`,
      [marketId, outcome],
    )) as { sequence: string; side: 'buy' | 'sell' | null; price_tick: number | null; shares: string | null; orders: number | null }[];
    const level = (row: (typeof rows)[number]): BookLevelDto => ({
      price: tickPrice(row.price_tick!, ticksPerUnit),
      shares: formatUnits(BigInt(row.shares!)),
      orders: row.orders!,
    });
    const bids = rows.filter((row) => row.side === 'buy').sort((a, b) => b.price_tick! - a.price_tick!);
    const asks = rows.filter((row) => row.side === 'sell').sort((a, b) => a.price_tick! - b.price_tick!);
    return { marketId, outcome, bids: bids.slice(0, depth).map(level), asks: asks.slice(0, depth).map(level), sequence: Number(rows[0].sequence) };
  }

  /**
   * The new totals of the price levels a command changed, each with the next sequence of its outcome's book,
   * broadcast after commit as `book:update` (the sequence row is updated under the market's lock, so deltas of one
   * book are numbered in commit order).
   */
  private async publishLevels(manager: EntityManager, marketId: string, ticksPerUnit: number, touched: BookLevelRef[]): Promise<void> {
    const byKey = new Map<string, BookLevelRef>();
    for (const ref of touched) byKey.set(`${ref.outcome}/${ref.side}/${ref.tick}`, ref);
    if (byKey.size === 0) return;
    const levels = [...byKey.values()].sort((a, b) => a.outcome - b.outcome || a.side.localeCompare(b.side) || a.tick - b.tick);
    const totals = (await manager.query(
      `SELECT l.outcome, l.side, l.tick, coalesce(sum(o.shares - o.filled_shares), 0)::text AS shares, count(o.id)::int AS orders
         FROM unnest($2::int[], $3::text[], $4::int[]) WITH ORDINALITY AS l(outcome, side, tick, n)
         LEFT JOIN market_orders o ON o.market_id = $1 AND o.status = 'open' AND o.outcome = l.outcome AND o.side = l.side AND o.price_tick = l.tick
        GROUP BY l.outcome, l.side, l.tick, l.n ORDER BY l.n`,
      [marketId, levels.map((ref) => ref.outcome), levels.map((ref) => ref.side), levels.map((ref) => ref.tick)],
    )) as { outcome: number; side: 'buy' | 'sell'; tick: number; shares: string; orders: number }[];
    const counts = new Map<number, number>();
    for (const ref of levels) counts.set(ref.outcome, (counts.get(ref.outcome) ?? 0) + 1);
    const sequences = (await manager.query(
      `INSERT INTO market_order_books (market_id, outcome, sequence)
       SELECT $1, o, n FROM unnest($2::int[], $3::bigint[]) AS x(o, n)
       ON CONFLICT (market_id, outcome) DO UPDATE SET sequence = market_order_books.sequence + EXCLUDED.sequence
       RETURNING outcome, sequence::text AS sequence`,
      [marketId, [...counts.keys()], [...counts.values()]],
    )) as { outcome: number; sequence: string }[];
    const next = new Map(sequences.map((row) => [row.outcome, Number(row.sequence) - counts.get(row.outcome)! + 1]));
    const deltas = new Map<number, BookDeltaDto[]>();
    for (const total of totals) {
      const sequence = next.get(total.outcome)!;
      next.set(total.outcome, sequence + 1);
      const delta: BookDeltaDto = {
        marketId,
        outcome: total.outcome,
        sequence,
        side: total.side,
        price: tickPrice(total.tick, ticksPerUnit),
        shares: formatUnits(BigInt(total.shares)),
        orders: total.orders,
      };
      const list = deltas.get(total.outcome);
      if (list) list.push(delta);
      else deltas.set(total.outcome, [delta]);
    }
    for (const [outcome, list] of deltas) this.events.afterCommit(manager, { name: MarketEvent.BookChanged, payload: { marketId, outcome, deltas: list } });
  }

  /** Open orders of one outcome's book in time priority. */
  private async openOrders(manager: EntityManager, marketId: string, outcome: number): Promise<OrderRow[]> {
    return (await manager.query(`SELECT ${ORDER_COLUMNS} FROM market_orders WHERE market_id = $1 AND outcome = $2 AND status = 'open' ORDER BY seq`, [
      marketId,
      outcome,
    ])) as OrderRow[];
  }

  /**
   * The outcome's book as it stood after the last command: the open orders placed again in time priority with the
   * pool held back (resting orders never trade with the pool by themselves, even if another outcome's trade moved
   * its price past them), then the pool let in for the command.
   */
  private rebuild(market: MarketEntity, rows: OrderRow[], pool: OutcomePool): OrderBook {
    const gate = new GatedPool(pool);
    const book = new OrderBook({ ticksPerUnit: market.ticksPerUnit, takerFeeBps: market.feeBps, makerFeeBps: this.config.makerFeeBps }, gate);
    for (const row of rows) {
      book.place({
        id: row.id,
        owner: row.user_id,
        side: row.side,
        price: row.price_tick,
        shares: remainingOf(row),
        timeInForce: row.expires_at ? 'GTD' : 'GTC',
        expiresAt: row.expires_at?.getTime(),
        stp: row.stp,
      });
    }
    gate.open = true;
    return book;
  }

  /**
   * Writes one command's effects: the ledger (the taker's hold, then every fill's cash in one posting), positions,
   * maker order rows, fills, the pool's state and price point, a `market_trades` row per pool fill; returns the
   * trade id of each book trade number.
   */
  private async apply(
    manager: EntityManager,
    market: MarketEntity,
    outcome: number,
    pool: LmsrMarketPool,
    effects: OrderCommandEffects,
    { holdOf }: { holdOf?: { userId: string; amount: bigint; reference: string } },
  ): Promise<Map<number, string>> {
    const postings: Posting[] = [];
    const reference = `market:${market.id}`;
    if (holdOf) postings.push(Postings.hold({ userId: holdOf.userId }, holdOf.amount, { kind: 'market.order.hold', reference: holdOf.reference }));
    const movements: Movement[] = ledgerMovements(effects, poolOf(market.id), SystemAccount.fees);
    if (effects.creatorFee > 0n) movements.push(...(await this.creatorEarnings.feeShareMovements(manager, market.creatorId!, effects.creatorFee)));
    if (movements.length > 0) postings.push({ kind: 'market.order.fill', reference, movements });
    let poolBalance: bigint | undefined;
    if (postings.length > 0) {
      const outcomes = await this.ledger.postBatch(manager, postings);
      for (const posted of outcomes) {
        if (!posted.ok) throw posted.refusal;
        const balance = posted.result.systemBalances.find((entry) => entry.system === poolOf(market.id).system);
        if (balance) poolBalance = balance.available;
      }
    }

    await this.writePositions(manager, market, outcome, effects);
    await this.writeOrderUpdates(manager, effects);

    const tradeIds = new Map<number, string>();
    for (const fill of effects.fillRecords) if (!tradeIds.has(fill.tradeNumber)) tradeIds.set(fill.tradeNumber, randomUUID());
    if (effects.fillRecords.length > 0) {
      const fills = effects.fillRecords;
      await manager.query(
        `INSERT INTO market_order_fills (trade_id, order_id, market_id, user_id, outcome, side, liquidity, counterparty, price, shares, amount, fee)
         SELECT t, o, $1, u, $2, s, l, c, p, sh, a, f
           FROM unnest($3::uuid[], $4::uuid[], $5::uuid[], $6::text[], $7::text[], $8::text[], $9::numeric[], $10::numeric[], $11::numeric[], $12::numeric[])
             AS x(t, o, u, s, l, c, p, sh, a, f)`,
        [
          market.id,
          outcome,
          fills.map((fill) => tradeIds.get(fill.tradeNumber)),
          fills.map((fill) => fill.orderId),
          fills.map((fill) => fill.userId),
          fills.map((fill) => fill.side),
          fills.map((fill) => fill.liquidity),
          fills.map((fill) => fill.counterparty),
          fills.map((fill) => fill.price),
          fills.map((fill) => fill.shares.toString()),
          fills.map((fill) => fill.amount.toString()),
          fills.map((fill) => fill.fee.toString()),
        ],
      );
    }

    if (effects.trades === 0) return tradeIds;
    const poolFills = effects.fillRecords.filter((fill) => fill.counterparty === 'pool');
    const prices = priceStrings(pool.state);
    market.outstandingShares = [...pool.state.outstandingShares];
    market.volume += effects.volume;
    market.platformFees += effects.platformFee;
    market.creatorFees += effects.creatorFee;
    market.tradeCount += effects.trades;
    await manager.query(
      `UPDATE markets SET outstanding_shares = $2::numeric[], volume = $3, platform_fees = $4, creator_fees = $5, trade_count = $6, updated_at = now() WHERE id = $1`,
      [market.id, market.outstandingShares.map(String), market.volume.toString(), market.platformFees.toString(), market.creatorFees.toString(), market.tradeCount],
    );
    if (poolFills.length > 0) {
      await manager.query(`INSERT INTO market_price_points (market_id, prices) VALUES ($1, $2::numeric[])`, [market.id, prices]);
      // The pool's side of the book's trades, as AMM fills: what paid or received, fee included as usual.
      const rows = (await manager.query(
        `INSERT INTO market_trades (market_id, user_id, side, outcome, shares, amount, fee, creator_fee, average_price, prices)
         SELECT $1, u, s, $2, sh, a, f, cf, ap, $3::numeric[]
           FROM unnest($4::uuid[], $5::text[], $6::numeric[], $7::numeric[], $8::numeric[], $9::numeric[], $10::numeric[]) AS x(u, s, sh, a, f, cf, ap)
         RETURNING id`,
        [
          market.id,
          outcome,
          prices,
          poolFills.map((fill) => fill.userId),
          poolFills.map((fill) => fill.side),
          poolFills.map((fill) => fill.shares.toString()),
          poolFills.map((fill) => cashOf(fill).toString()),
          poolFills.map((fill) => fill.fee.toString()),
          poolFills.map((fill) => fill.creatorFee.toString()),
          poolFills.map((fill) => formatUnits((cashOf(fill) * UNIT_SCALE) / fill.shares)),
        ],
      )) as { id: string }[];
      // A bug guard, not a client error: the pool must always be able to pay the worst outcome (rolls back).
      assertPoolInvariant(pool.state, poolBalance ?? (await this.ledger.systemBalance(manager, poolOf(market.id))));
      poolFills.forEach((fill, index) =>
        this.events.afterCommit(manager, {
          name: MarketEvent.Traded,
          payload: {
            marketId: market.id,
            status: market.status,
            prices,
            volume: formatUnits(market.volume),
            resolvedOutcome: market.resolvedOutcome,
            tradeId: rows[index].id,
            userId: fill.userId,
            side: fill.side,
            outcome,
            shares: formatUnits(fill.shares),
            amount: formatUnits(cashOf(fill)),
            fee: formatUnits(fill.fee),
            averagePrice: formatUnits((cashOf(fill) * UNIT_SCALE) / fill.shares),
            at: new Date().toISOString(),
          },
        }),
      );
    }
    return tradeIds;
  }

  /** Each trader's position after their legs of this command (writers of a market's positions hold its row lock). */
  private async writePositions(manager: EntityManager, market: MarketEntity, outcome: number, effects: OrderCommandEffects): Promise<void> {
    if (effects.positions.size === 0) return;
    const userIds = [...effects.positions.keys()];
    const rows = (await manager.query(`SELECT user_id, shares, cost_basis, paid, received FROM market_positions WHERE market_id = $1 AND user_id = ANY($2::uuid[])`, [
      market.id,
      userIds,
    ])) as { user_id: string; shares: string[]; cost_basis: string[]; paid: string; received: string }[];
    const byUser = new Map(rows.map((row) => [row.user_id, row]));
    const outcomeCount = market.outstandingShares.length;
    const positions: { userId: string; position: MarketPosition }[] = userIds.map((userId) => {
      let position = positionOfRow(byUser.get(userId), outcomeCount);
      for (const leg of effects.positions.get(userId)!) position = applyFill(position, { side: leg.side, outcome, shares: leg.shares, amount: leg.cash });
      return { userId, position };
    });
    await manager.query(
      `INSERT INTO market_positions (market_id, user_id, shares, cost_basis, paid, received)
       SELECT $1, u, string_to_array(s, ',')::numeric[], string_to_array(cb, ',')::numeric[], p, r
         FROM unnest($2::uuid[], $3::text[], $4::text[], $5::numeric[], $6::numeric[]) AS x(u, s, cb, p, r)
       ON CONFLICT (market_id, user_id) DO UPDATE SET shares = EXCLUDED.shares, cost_basis = EXCLUDED.cost_basis,
              paid = EXCLUDED.paid, received = EXCLUDED.received, updated_at = now()`,
      [
        market.id,
        positions.map((entry) => entry.userId),
        positions.map((entry) => entry.position.shares.join(',')),
        positions.map((entry) => entry.position.costBasis.join(',')),
        positions.map((entry) => entry.position.paid.toString()),
        positions.map((entry) => entry.position.received.toString()),
      ],
    );
  }

  /** Maker and removed orders' rows, and an `order:update` to each owner; returns the updated orders. */
  private async writeOrderUpdates(manager: EntityManager, effects: OrderCommandEffects): Promise<OrderDto[]> {
    if (effects.orderUpdates.size === 0) return [];
    const updates = [...effects.orderUpdates];
    const rows = (await manager.query(
      // In a CTE so the driver returns the rows as for a SELECT (a bare UPDATE … RETURNING comes back as [rows, count]).
      `WITH updated AS (
         UPDATE market_orders o SET filled_shares = x.f, status = x.s, cancel_reason = x.r, locked_amount = x.l, updated_at = now()
           FROM unnest($1::uuid[], $2::numeric[], $3::text[], $4::text[], $5::numeric[]) AS x(id, f, s, r, l)
          WHERE o.id = x.id
         RETURNING ${ORDER_COLUMNS.split(',').map((column) => `o.${column.trim()}`).join(', ')}
       ) SELECT * FROM updated`,
      [
        updates.map(([id]) => id),
        updates.map(([, update]) => update.filledShares.toString()),
        updates.map(([, update]) => update.status),
        updates.map(([, update]) => update.cancelReason),
        updates.map(([, update]) => update.lockedAmount.toString()),
      ],
    )) as OrderRow[];
    const byId = new Map(rows.map((row) => [row.id, row]));
    return updates.map(([id]) => {
      const dto = orderDto(byId.get(id)!);
      this.events.afterCommit(manager, { name: 'order.updated', payload: { userId: byId.get(id)!.user_id, order: { kind: 'market-order', ...dto } } });
      return dto;
    });
  }
}

/** The pool behind a book being rebuilt: closed (nothing to trade) until the resting orders are back, then the pool itself. */
class GatedPool implements OutcomePool {
  open = false;

  constructor(private readonly pool: OutcomePool) {}

  sharesToBuyUntil(priceTick: number, delta: bigint): bigint {
    return this.open ? this.pool.sharesToBuyUntil(priceTick, delta) : 0n;
  }

  sharesToSellUntil(priceTick: number, delta: bigint): bigint {
    return this.open ? this.pool.sharesToSellUntil(priceTick, delta) : 0n;
  }

  costToBuy(shares: bigint, delta: bigint): bigint {
    return this.pool.costToBuy(shares, delta);
  }

  proceedsOfSale(shares: bigint, delta: bigint): bigint {
    return this.pool.proceedsOfSale(shares, delta);
  }

  commit(shares: bigint, cash: bigint): void {
    this.pool.commit(shares, cash);
  }
}

function cashOf(fill: { side: 'buy' | 'sell'; amount: bigint; fee: bigint }): bigint {
  return fill.side === 'buy' ? fill.amount + fill.fee : fill.amount - fill.fee;
}

function remainingOf(row: OrderRow): bigint {
  return BigInt(row.shares) - BigInt(row.filled_shares);
}

function restingStates(rows: OrderRow[]): Map<string, RestingOrderState> {
  return new Map(rows.map((row) => [row.id, { userId: row.user_id, side: row.side, filledShares: BigInt(row.filled_shares), lockedAmount: BigInt(row.locked_amount) }]));
}

function snapshotOf(row: OrderRow): OrderSnapshot {
  return {
    id: row.id,
    owner: row.user_id,
    side: row.side,
    price: row.price_tick,
    shares: BigInt(row.shares),
    filledShares: BigInt(row.filled_shares),
    remainingShares: remainingOf(row),
    status: row.status,
    timeInForce: row.time_in_force,
    postOnly: row.post_only,
    expiresAt: row.expires_at?.getTime(),
  };
}

export function orderDto(row: OrderRow): OrderDto {
  const shares = BigInt(row.shares);
  const filled = BigInt(row.filled_shares);
  return {
    id: row.id,
    marketId: row.market_id,
    outcome: row.outcome,
    side: row.side,
    price: tickPrice(row.price_tick, row.ticks_per_unit),
    shares: formatUnits(shares),
    filledShares: formatUnits(filled),
    remainingShares: formatUnits(row.status === 'open' ? shares - filled : 0n),
    status: row.status,
    timeInForce: row.time_in_force,
    postOnly: row.post_only,
    expiresAt: row.expires_at ? row.expires_at.toISOString() : null,
    createdAt: row.created_at.toISOString(),
  };
}

function parseExpiry(body: PlaceOrderDto): Date | undefined {
  if (body.timeInForce !== 'GTD') {
    if (body.expiresAt !== undefined) throw new InvalidField('expiresAt', `is for GTD orders only, not ${body.timeInForce}`);
    return undefined;
  }
  if (body.expiresAt === undefined) throw new InvalidField('expiresAt', 'is required for a GTD order');
  const expiresAt = new Date(body.expiresAt);
  if (!(expiresAt.getTime() > Date.now())) throw new InvalidField('expiresAt', 'must be in the future');
  return expiresAt;
}
