import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { InvalidField, NotFound } from '../common/errors/domain-error';
import { Page, offsetOf, toPage } from '../common/http/pagination';
import { isUuid } from '../common/ids';
import { whenCommitted } from '../common/transactions/command-transaction';
import { MarketListCache } from './market-list.cache';
import { MarketJobs } from './market-jobs';
import { BookDto, BookLevelDto, CancelledOrdersDto, MyOrdersQueryDto, MarketOrderDto, PlacedOrderDto, PlaceMarketOrderDto } from './market-order.dto';
import type { OutcomeRef } from './market.dto';
import { formatUnits, parseUnits, resolveOutcome } from './market-rules';
import { MarketRepository } from './market.repository';
import { tickPrice } from './order-effects';
import { type CancelOrderPayload, MarketCommandType, type PlaceOrderPayload } from './venue/market-commands';
import { MarketCommands } from './venue/market-commands.service';
import { ORDER_COLUMNS, OrderRow, orderDto } from './venue/market-order-rows';
import { MarketVenue } from './venue/market-venue';

/**
 * Limit orders on outcome shares (issue 14), matched by the pure `OrderBook` against resting orders and the
 * market's LMSR pool. The commands run on the market's shard of the venue engine (MarketVenue: the books and the
 * pool in memory on the leader, commands applied in arrival order and committed in batches, answered after
 * commit); this service checks the request, hands it over (MarketCommands) and reads the rows for queries.
 */
@Injectable()
export class MarketOrdersService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly listCache: MarketListCache,
    private readonly jobs: MarketJobs,
    private readonly commands: MarketCommands,
    private readonly venue: MarketVenue,
  ) {}

  private readonly logger = new Logger('MarketOrders');

  async place(userId: string, marketId: string, body: PlaceMarketOrderDto, idempotencyKey?: string): Promise<PlacedOrderDto> {
    // The price's tick and the shares' lots are the market's own (its tickSize), checked on its shard.
    const shares = parseUnits(body.shares, 'shares');
    const expiresAt = parseExpiry(body);
    if (body.postOnly && body.timeInForce !== 'GTC' && body.timeInForce !== 'GTD') throw new InvalidField('postOnly', 'is for GTC and GTD orders only');
    const request: Omit<PlaceOrderPayload, 'fingerprint'> = {
      outcome: body.outcome,
      side: body.side,
      price: body.price,
      shares: shares.toString(),
      timeInForce: body.timeInForce,
      expiresAt: expiresAt?.getTime() ?? null,
      postOnly: body.postOnly === true,
      stp: body.stp ?? null,
    };
    const placed = await this.commands.run<PlacedOrderDto>(marketId, userId, idempotencyKey, MarketCommandType.PlaceOrder, request);
    if (placed.fills.length > 0) await whenCommitted(() => this.listCache.invalidate());
    // If this enqueue is lost, the minute sweep expires the order; until then no taker can fill it (the book skips it).
    if (expiresAt && placed.order.status === 'open') {
      await this.jobs.scheduleOrderExpiry(marketId, expiresAt).catch((error: Error) => this.logger.error(`expiry job of market ${marketId} not scheduled: ${error.message}`));
    }
    return placed;
  }

  /** Cancels one of the caller's orders. Someone else's order (or an unknown id) is 404; one no longer open is returned as it is. */
  async cancel(userId: string, marketId: string, orderId: string, idempotencyKey?: string): Promise<MarketOrderDto> {
    const request: Omit<CancelOrderPayload, 'fingerprint'> = { orderId };
    // A market with a shard here: its leader answers for an order that is not resting as below (the row, or 404),
    // so the row is not read first (a round trip per cancel, outside the batch).
    if (this.commands.hasShard(marketId)) return this.commands.run<MarketOrderDto>(marketId, userId, idempotencyKey, MarketCommandType.CancelOrder, request, false);
    const [row] = isUuid(orderId)
      ? ((await this.dataSource.query(`SELECT ${ORDER_COLUMNS} FROM market_orders WHERE id = $1 AND market_id = $2 AND user_id = $3`, [orderId, marketId, userId])) as OrderRow[])
      : [];
    if (!row) {
      await MarketRepository.find(this.dataSource.manager, marketId);
      throw new NotFound(`Order ${orderId} not found on market ${marketId}`);
    }
    if (row.status !== 'open') return orderDto(row);
    return this.commands.run<MarketOrderDto>(marketId, userId, idempotencyKey, MarketCommandType.CancelOrder, request, false);
  }

  /** Cancels every open order of the caller on the market. */
  async cancelAll(userId: string, marketId: string, idempotencyKey?: string): Promise<CancelledOrdersDto> {
    return this.commands.run<CancelledOrdersDto>(marketId, userId, idempotencyKey, MarketCommandType.CancelAll, {}, false);
  }

  async listMine(userId: string, query: MyOrdersQueryDto): Promise<Page<MarketOrderDto>> {
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
   * lifecycle step's own transaction (the caller holds the market row's lock; the market's shard sees it at its next batch).
   */
  cancelAllOfMarketLocked(manager: EntityManager, marketId: string): Promise<number> {
    return this.venue.cancelAllOfMarketLocked(manager, marketId);
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

  /** Expires a market's due GTD orders and releases their holds (the expiry job and the sweep; batches also do it first). */
  expireDue(marketId: string, now: number = Date.now()): Promise<number> {
    return this.commands.expire(marketId, now);
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
}

function parseExpiry(body: PlaceMarketOrderDto): Date | undefined {
  if (body.timeInForce !== 'GTD') {
    if (body.expiresAt !== undefined) throw new InvalidField('expiresAt', `is for GTD orders only, not ${body.timeInForce}`);
    return undefined;
  }
  if (body.expiresAt === undefined) throw new InvalidField('expiresAt', 'is required for a GTD order');
  const expiresAt = new Date(body.expiresAt);
  if (!(expiresAt.getTime() > Date.now())) throw new InvalidField('expiresAt', 'must be in the future');
  return expiresAt;
}
