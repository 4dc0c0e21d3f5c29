import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { LedgerService, Movement, Posting, SystemAccount } from '../../accounts/ledger.service';
import { DomainError } from '../../common/errors/domain-error';
import { DomainEventBus } from '../../common/events/domain-event-bus';
import { formatUsdc } from '../../common/money/usdc';
import { pgArray } from '../../database/pg-array';
import type { BatchContext, CommandOutcome, EngineCommand, VenueShard } from '../../engine/venue';
import { UserUpdateEvent } from '../../realtime/realtime.events';
import { TradesEvent } from '../trades.events';
import {
  type CloseReason,
  entryPriceOf,
  exitPriceOf,
  legCrossed,
  openTerms,
  type PositionTerms,
  settle,
  triggerProblem,
  type TriggerReason,
} from '../core/perp-math';
import { formatPrice, parsePrice } from '../core/price';
import { TriggerIndex } from '../core/trigger-index';
import { PerpFillEntity, type PerpFillKind } from '../perp-fill.entity';
import { PerpOrderEntity, type PerpOrderStatus } from '../perp-order.entity';
import { PerpPositionEntity } from '../perp-position.entity';
import { priceColumn } from '../price.column';
import { toOrderDto, toPositionDto, type MarkQuote } from '../perp.mapper';
import {
  ExpiryInPast,
  InvalidTrigger,
  LeverageOutOfRange,
  MarginBelowMinimum,
  OrderNotFound,
  OrderNotOpen,
  PositionClosed,
  PositionNotFound,
  PriceMovedBeyondSlippage,
  SymbolHalted,
} from '../trades.errors';
import { UnknownSymbol } from '../perp-errors';
import { freshTopOfBook, type TopOfBook } from './fresh-quote';
import {
  type CancelOrderPayload,
  type ClosePayload,
  type ExpirePayload,
  type Fingerprinted,
  type OpenPayload,
  PerpCommandType,
  type PlaceOrderPayload,
  type TickPayload,
  type UpdateTriggersPayload,
} from './perp-commands';
import { PERP_MARKET_CATALOG, PERP_PRICE_BOARD, PERP_VOLUME, type PerpMarketCatalog, type PerpMarketRules, type PerpPriceBoard, type PerpVolume } from './perp-venue-deps';

/** One symbol's live book on its leader: every open position and open order, and what each tick must check. */
export interface PerpShardState {
  symbol: string;
  positions: Map<string, PerpPositionEntity>;
  orders: Map<string, PerpOrderEntity>;
  triggers: TriggerIndex;
}

/** What one command did: its answer, and the state changes to make once its savepoint is released. */
interface Applied {
  result: unknown;
  changes: (() => void)[];
}

/** One position to close at `exitPrice`, measured against `referencePrice` (the trigger's price; none for a user close). */
interface PositionClose {
  position: PerpPositionEntity;
  reason: CloseReason;
  exitPrice: bigint;
  referencePrice: bigint | null;
}

/** What a tick did (the answer of a `tick` command, for logs and tests). */
export interface TickResult {
  /** The feed was stale when the tick was applied: nothing fired, the triggers wait for a fresh quote. */
  waited: boolean;
  closed: { positionId: string; reason: TriggerReason }[];
  filled: { orderId: string; positionId: string }[];
  expired: string[];
  /** Orders of a symbol winding down (removed from PERP_SYMBOLS), cancelled since they can never fill. */
  cancelled: string[];
}

const BPS = 10_000n;
const gap = (a: bigint, b: bigint) => (a > b ? a - b : b - a);
/** A refusal as the engine carries it. */
const refusalOf = (error: DomainError): CommandOutcome => ({
  ok: false,
  refusal: { status: error.status, error: error.error, message: error.message, details: error.details as Record<string, unknown> | undefined },
});
const optionalPrice = (value: string | undefined | null): bigint | null => (value === undefined || value === null ? null : BigInt(value));

/**
 * The perps venue on the venue engine: one shard per symbol. On the shard's leader it keeps the open positions
 * and orders in memory, and applies users' commands and the feed's ticks in arrival order, each command in a
 * savepoint of the batch's transaction, so a refused one leaves no rows, no postings and no state change. A run
 * of consecutive opens (the hot path) is applied without savepoints, all its rules checked before any write and
 * its writes made together (openAll), with the same guarantee.
 *
 * Money (all through LedgerService, inside the batch's transaction):
 *   open:    user available −(margin + fee) → user locked +margin, fees +fee (one posting: both must be available)
 *   order:   user available −(margin + fee) → user locked +(margin + fee); on fill the fee goes locked → fees
 *   close:   user locked −margin → user available +payout, fees +closeFee, house ±(margin − payout − closeFee)
 *   liquid.: user locked −margin → house +margin
 *   cancel / expiry: user locked −(margin + fee) → user available
 */
@Injectable()
export class PerpVenue implements VenueShard<PerpShardState> {
  private readonly logger = new Logger('PerpVenue');

  constructor(
    private readonly ledger: LedgerService,
    private readonly events: DomainEventBus,
    @Inject(PERP_PRICE_BOARD) private readonly prices: PerpPriceBoard,
    @Inject(PERP_MARKET_CATALOG) private readonly markets: PerpMarketCatalog,
    @Inject(PERP_VOLUME) private readonly volume: PerpVolume,
  ) {}

  async load(manager: EntityManager, symbol: string): Promise<PerpShardState> {
    const positions = await manager.find(PerpPositionEntity, { where: { symbol, status: 'open' } });
    const orders = await manager.find(PerpOrderEntity, { where: { symbol, status: 'open' } });
    const state: PerpShardState = { symbol, positions: new Map(), orders: new Map(), triggers: new TriggerIndex(symbol) };
    for (const position of positions) this.watchPosition(state, position);
    for (const order of orders) this.watchOrder(state, order);
    return state;
  }

  /**
   * A batch of opens only may be applied while the previous batch commits (ENGINE_PIPELINE_DEPTH > 1): it reads no
   * row an earlier batch writes (rules and quotes are in memory, positions and fills are new rows, ledger accounts
   * are locked and read under the lock, which waits for the earlier batch), and its one shared row, the candle,
   * is upserted in `beforeCommit`. Anything else (a tick or close may update a position the previous batch
   * inserted, invisible until it commits) waits for the previous commit.
   */
  overlaps(commands: EngineCommand[]): boolean {
    return commands.every((command) => command.type === PerpCommandType.Open);
  }

  async applyBatch(manager: EntityManager, state: PerpShardState, commands: EngineCommand[], symbol: string, context?: BatchContext): Promise<CommandOutcome[]> {
    const outcomes: CommandOutcome[] = [];
    for (let next = 0; next < commands.length; ) {
      if (commands[next].type === PerpCommandType.Open) {
        // A run of consecutive opens is written together, in a constant number of statements (see openAll).
        let end = next;
        while (end < commands.length && commands[end].type === PerpCommandType.Open) end++;
        outcomes.push(...(await this.openAll(manager, state, commands.slice(next, end), symbol, context)));
        next = end;
        continue;
      }
      const command = commands[next++];
      try {
        // A savepoint per command: a refusal rolls back its own writes (and events) only.
        const applied = await manager.transaction((inner) => this.apply(inner, state, command, symbol));
        for (const change of applied.changes) change();
        outcomes.push({ ok: true, result: applied.result });
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        outcomes.push(refusalOf(error));
      }
    }
    return outcomes;
  }

  /**
   * A tick that would write nothing (no order due to expire, nothing crossed, or the feed stale) is answered at
   * once, as `tick` would answer it, without a transaction; any other command, or a tick that fires, goes
   * through a committed batch (null).
   */
  applyWithoutWrites(state: PerpShardState, command: EngineCommand): CommandOutcome | null {
    if (command.type !== PerpCommandType.Tick) return null;
    const now = Date.now();
    for (const order of state.orders.values()) if (order.expiresAt !== null && order.expiresAt.getTime() <= now) return null;
    // A symbol winding down cancels its open orders on the next tick: that writes.
    if (state.orders.size > 0 && !this.markets.isTraded(state.symbol)) return null;
    const quiet: TickResult = { waited: false, closed: [], filled: [], expired: [], cancelled: [] };
    if (this.prices.isStale(state.symbol)) return { ok: true, result: { ...quiet, waited: true } };
    const payload = command.payload as TickPayload;
    if (state.triggers.crossed(parsePrice(payload.bid, 'bid'), parsePrice(payload.ask, 'ask')).length > 0) return null;
    return { ok: true, result: quiet };
  }

  private apply(manager: EntityManager, state: PerpShardState, command: EngineCommand, symbol: string): Promise<Applied> {
    const userId = command.userId ?? '';
    switch (command.type) {
      case PerpCommandType.Close:
        return this.closeByUser(manager, state, userId, command.payload as ClosePayload);
      case PerpCommandType.UpdateTriggers:
        return this.updateTriggers(manager, state, userId, command.payload as UpdateTriggersPayload);
      case PerpCommandType.PlaceOrder:
        return this.placeOrder(manager, state, userId, symbol, command.payload as PlaceOrderPayload);
      case PerpCommandType.CancelOrder:
        return this.cancelOrder(manager, state, userId, command.payload as CancelOrderPayload);
      case PerpCommandType.Tick:
        return this.tick(manager, state, command.payload as TickPayload);
      case PerpCommandType.Expire:
        return this.expireDue(manager, state, (command.payload as ExpirePayload).now);
      default:
        throw new Error(`perps: unknown command type ${command.type}`);
    }
  }

  // ---- user commands ----------------------------------------------------------------------------

  /**
   * Opens, in arrival order, without savepoints: every rule is checked in memory first (a refusal there writes
   * nothing), then one ledger postBatch of all the opens that passed (one that does not fit is refused alone, each
   * seeing the balances the ones before it left, as if posted one after the other), then one INSERT of their
   * positions, one of their fills and one candle volume for the lot. A failure past the rules fails the batch.
   */
  private async openAll(manager: EntityManager, state: PerpShardState, commands: EngineCommand[], symbol: string, context?: BatchContext): Promise<CommandOutcome[]> {
    const outcomes: CommandOutcome[] = new Array<CommandOutcome>(commands.length);
    const now = new Date();
    const checked: { index: number; fingerprint: string; position: PerpPositionEntity; quote: TopOfBook; quotedPrice: bigint | null }[] = [];
    for (const [index, command] of commands.entries()) {
      try {
        checked.push({ index, ...(await this.checkOpen(command.userId ?? '', symbol, command.payload as OpenPayload, now)) });
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        outcomes[index] = refusalOf(error);
      }
    }
    if (checked.length === 0) return outcomes;

    const posted = await this.ledger.postBatch(
      manager,
      checked.map(({ position }) =>
        this.posting(`perp-position:${position.id}`, 'perp.position.open', `perp-position:${position.id}:open`, true, [
          { account: { userId: position.userId }, bucket: 'available', amount: -(position.margin + position.openFee) },
          { account: { userId: position.userId }, bucket: 'locked', amount: position.margin },
          { account: SystemAccount.fees, bucket: 'available', amount: position.openFee },
        ]),
      ),
    );
    const opened = checked.filter((open, k) => {
      const outcome = posted[k];
      if (!outcome.ok) outcomes[open.index] = refusalOf(outcome.refusal);
      return outcome.ok;
    });
    if (opened.length === 0) return outcomes;

    // From arrays (as closePositions): TypeORM's multi-row insert spends more time building parameters than PostgreSQL writing them.
    const positions = opened.map(({ position }) => position);
    await manager.query(
      `INSERT INTO perp_positions (id, user_id, symbol, side, status, margin, leverage, notional, entry_price, maintenance_margin_bps,
                                   liquidation_price, taker_fee_bps, stop_loss, take_profit, open_fee, order_id, opened_at)
       SELECT id, user_id, $1, side, 'open', margin, leverage, notional, entry_price, maintenance_margin_bps, liquidation_price, taker_fee_bps, stop_loss, take_profit, open_fee, NULL, $2
         FROM unnest($3::uuid[], $4::uuid[], $5::varchar[], $6::numeric[], $7::int[], $8::numeric[], $9::numeric[], $10::int[], $11::numeric[], $12::int[], $13::numeric[], $14::numeric[], $15::numeric[])
              AS v(id, user_id, side, margin, leverage, notional, entry_price, maintenance_margin_bps, liquidation_price, taker_fee_bps, stop_loss, take_profit, open_fee)`,
      [
        symbol,
        now,
        pgArray(positions.map((position) => position.id)),
        pgArray(positions.map((position) => position.userId)),
        pgArray(positions.map((position) => position.side)),
        pgArray(positions.map((position) => position.margin.toString())),
        pgArray(positions.map((position) => position.leverage)),
        pgArray(positions.map((position) => position.notional.toString())),
        pgArray(positions.map((position) => priceColumn.to(position.entryPrice) ?? null)),
        pgArray(positions.map((position) => position.maintenanceMarginBps)),
        pgArray(positions.map((position) => priceColumn.to(position.liquidationPrice) ?? null)),
        pgArray(positions.map((position) => position.takerFeeBps)),
        pgArray(positions.map((position) => priceColumn.to(position.stopLoss) ?? null)),
        pgArray(positions.map((position) => priceColumn.to(position.takeProfit) ?? null)),
        pgArray(positions.map((position) => position.openFee.toString())),
      ],
    );
    const fills = opened.map(({ position, quotedPrice }) => this.fillRow(position.id, 'open', null, position.entryPrice, quotedPrice, position.openFee, now));
    await manager.query(
      `INSERT INTO perp_fills (id, position_id, kind, reason, price, reference_price, slippage, fee, created_at)
       SELECT id, position_id, 'open', NULL, price, reference_price, slippage, fee, $1
         FROM unnest($2::uuid[], $3::uuid[], $4::numeric[], $5::numeric[], $6::numeric[], $7::numeric[]) AS v(id, position_id, price, reference_price, slippage, fee)`,
      [
        now,
        pgArray(fills.map((fill) => fill.id)),
        pgArray(fills.map((fill) => fill.positionId)),
        pgArray(fills.map((fill) => priceColumn.to(fill.price) ?? null)),
        pgArray(fills.map((fill) => priceColumn.to(fill.referencePrice) ?? null)),
        pgArray(fills.map((fill) => priceColumn.to(fill.slippage) ?? null)),
        pgArray(fills.map((fill) => fill.fee.toString())),
      ],
    );
    const openedNotional = formatUsdc(opened.reduce((sum, { position }) => sum + position.notional, 0n));
    // The candle row is the one row every batch of opens writes: upserted after the previous batch committed.
    const recordVolume = () => this.volume.recordVolume(symbol, openedNotional, now, manager);
    if (context) context.beforeCommit(recordVolume);
    else await recordVolume();
    this.traded(manager, symbol, 'open', opened.length, openedNotional);
    for (const { index, fingerprint, position, quote } of opened) {
      this.positionChanged(manager, position, quote);
      outcomes[index] = { ok: true, result: this.answer(fingerprint, toPositionDto(position, quote), []).result };
      this.watchPosition(state, position);
    }
    return outcomes;
  }

  /** An open's rules, in memory: the position it would open at the current top of book, or the refusal. */
  private async checkOpen(userId: string, symbol: string, payload: OpenPayload, now: Date) {
    const rules = await this.tradableRules(symbol);
    const margin = BigInt(payload.margin);
    this.checkSize(rules, margin, payload.leverage);
    const quote = freshTopOfBook(this.prices, symbol);
    const entryPrice = entryPriceOf(payload.side, quote.bid, quote.ask);
    const quotedPrice = optionalPrice(payload.quotedPrice);
    if (quotedPrice !== null) {
      const worseBy = payload.side === 'long' ? entryPrice - quotedPrice : quotedPrice - entryPrice;
      if (worseBy * BPS > quotedPrice * BigInt(payload.slippageBps)) {
        throw new PriceMovedBeyondSlippage({ quotedPrice: formatPrice(quotedPrice), fillPrice: formatPrice(entryPrice), slippageBps: payload.slippageBps });
      }
    }
    const terms: PositionTerms = { side: payload.side, margin, leverage: payload.leverage, entryPrice, maintenanceMarginBps: BigInt(rules.maintenanceMarginBps) };
    const opened = this.openTermsOf(terms, rules);
    const triggers = { stopLoss: optionalPrice(payload.stopLoss), takeProfit: optionalPrice(payload.takeProfit) };
    const problem = triggerProblem(payload.side, opened.liquidationPrice, triggers, quote);
    if (problem) throw new InvalidTrigger(problem);
    const position = this.newPosition({ userId, symbol, terms, takerFeeBps: rules.takerFeeBps, opened, triggers, orderId: null, now });
    return { fingerprint: payload.fingerprint, position, quote, quotedPrice };
  }

  private async closeByUser(manager: EntityManager, state: PerpShardState, userId: string, payload: ClosePayload): Promise<Applied> {
    const position = await this.ownOpenPosition(manager, state, userId, payload.positionId);
    const quote = freshTopOfBook(this.prices, state.symbol);
    const exitPrice = exitPriceOf(position.side, quote.bid, quote.ask);
    // The latest quote may be past the liquidation price before its tick is applied: at that price the position is
    // liquidated (nothing back), whoever asks first; the user's close must not pay out the rest of its margin.
    const close: PositionClose = legCrossed(position.side, 'liquidation', position.liquidationPrice, exitPrice)
      ? { position, reason: 'liquidation', exitPrice, referencePrice: position.liquidationPrice }
      : { position, reason: 'user', exitPrice, referencePrice: null };
    const { closed, changes } = await this.closePositions(manager, state, [close], new Date());
    return this.answer(payload.fingerprint, toPositionDto(closed[0]), changes);
  }

  private async updateTriggers(manager: EntityManager, state: PerpShardState, userId: string, payload: UpdateTriggersPayload): Promise<Applied> {
    const position = await this.ownOpenPosition(manager, state, userId, payload.positionId);
    const stopLoss = payload.stopLoss === undefined ? position.stopLoss : optionalPrice(payload.stopLoss);
    const takeProfit = payload.takeProfit === undefined ? position.takeProfit : optionalPrice(payload.takeProfit);
    // Only a trigger being set is checked against the price now; removing one needs no quote.
    const setting = { stopLoss: payload.stopLoss == null ? null : stopLoss, takeProfit: payload.takeProfit == null ? null : takeProfit };
    let quote: MarkQuote | null = null;
    if (setting.stopLoss !== null || setting.takeProfit !== null) {
      quote = freshTopOfBook(this.prices, state.symbol);
      const problem = triggerProblem(position.side, position.liquidationPrice, setting, quote);
      if (problem) throw new InvalidTrigger(problem);
    }
    await manager.update(PerpPositionEntity, { id: position.id }, { stopLoss, takeProfit });
    const updated = Object.assign(Object.create(PerpPositionEntity.prototype) as PerpPositionEntity, position, { stopLoss, takeProfit });
    this.positionChanged(manager, updated, quote);
    return this.answer(payload.fingerprint, toPositionDto(updated, quote), [() => this.watchPosition(state, updated)]);
  }

  private async placeOrder(manager: EntityManager, state: PerpShardState, userId: string, symbol: string, payload: PlaceOrderPayload): Promise<Applied> {
    const rules = await this.tradableRules(symbol);
    // An order on a symbol the feed is not pricing is refused like an open (503 PriceFeedStale): it could never fire.
    freshTopOfBook(this.prices, symbol);
    const margin = BigInt(payload.margin);
    this.checkSize(rules, margin, payload.leverage);
    const now = new Date();
    if (payload.expiresAt !== undefined && payload.expiresAt <= now.getTime()) throw new ExpiryInPast();
    const price = BigInt(payload.price);
    const terms: PositionTerms = { side: payload.side, margin, leverage: payload.leverage, entryPrice: price, maintenanceMarginBps: BigInt(rules.maintenanceMarginBps) };
    const opened = this.openTermsOf(terms, rules);
    const triggers = { stopLoss: optionalPrice(payload.stopLoss), takeProfit: optionalPrice(payload.takeProfit) };
    // Judged as if the order filled at its own price, with a quote of that price.
    const problem = triggerProblem(payload.side, opened.liquidationPrice, triggers, { bid: price, ask: price });
    if (problem) throw new InvalidTrigger(problem);

    const order = Object.assign(new PerpOrderEntity(), {
      id: randomUUID(),
      userId,
      symbol,
      side: payload.side,
      type: payload.type,
      price,
      margin,
      leverage: payload.leverage,
      stopLoss: triggers.stopLoss,
      takeProfit: triggers.takeProfit,
      heldFee: opened.openFee,
      takerFeeBps: rules.takerFeeBps,
      maintenanceMarginBps: rules.maintenanceMarginBps,
      status: 'open' as PerpOrderStatus,
      positionId: null,
      expiresAt: payload.expiresAt === undefined ? null : new Date(payload.expiresAt),
      createdAt: now,
      endedAt: null,
    });
    await manager.insert(PerpOrderEntity, order);
    const held = margin + opened.openFee;
    await this.ledger.hold(manager, { userId }, held, { kind: 'perp.order.hold', reference: `perp-order:${order.id}`, idempotencyKey: `perp-order:${order.id}:hold`, freshKey: true });
    this.orderChanged(manager, order);
    return this.answer(payload.fingerprint, toOrderDto(order), [() => this.watchOrder(state, order)]);
  }

  private async cancelOrder(manager: EntityManager, state: PerpShardState, userId: string, payload: CancelOrderPayload): Promise<Applied> {
    const order = state.orders.get(payload.orderId);
    if (!order || order.userId !== userId) {
      const stored = await manager.findOne(PerpOrderEntity, { where: { id: payload.orderId, userId } });
      if (!stored) throw new OrderNotFound(payload.orderId);
      throw new OrderNotOpen(payload.orderId, stored.status);
    }
    const changes = await this.endOrder(manager, state, order, 'cancelled', new Date());
    return this.answer(payload.fingerprint, toOrderDto({ ...order, status: 'cancelled' }), changes);
  }

  // ---- the leader's own commands ----------------------------------------------------------------

  /**
   * One quote: every liquidation, stop-loss, take-profit and pending order it crosses fires now, at this quote's
   * bid/ask (liquidation before stop-loss before take-profit on one position). Orders due expire first. With
   * the feed stale nothing fires: the next fresh quote decides.
   */
  private async tick(manager: EntityManager, state: PerpShardState, payload: TickPayload): Promise<Applied> {
    const result: TickResult = { waited: false, closed: [], filled: [], expired: [], cancelled: [] };
    const changes: (() => void)[] = [];
    const now = new Date();
    const expired = await this.expireOrders(manager, state, now.getTime(), changes);
    result.expired.push(...expired);
    result.cancelled.push(...(await this.cancelOrdersOfUntraded(manager, state, new Set(expired), now, changes)));
    // Ended in this command (the state forgets them only once its savepoint is released).
    const ended = new Set([...result.expired, ...result.cancelled]);
    if (this.prices.isStale(state.symbol)) return { result: { ...result, waited: true }, changes };

    const quote = { bid: parsePrice(payload.bid, 'bid'), ask: parsePrice(payload.ask, 'ask') };
    // Positions first (liquidation before stop-loss before take-profit, resolved by the index), then orders:
    // a position an order opens now is judged from the next tick on.
    const crossed = state.triggers.crossed(quote.bid, quote.ask);
    const closes: PositionClose[] = [];
    for (const item of crossed) {
      const position = item.kind === 'position' ? state.positions.get(item.id) : undefined;
      if (item.kind === 'position' && position) closes.push({ position, reason: item.reason, exitPrice: item.fillPrice, referencePrice: item.triggerPrice });
    }
    const closing = await this.closePositions(manager, state, closes, now);
    changes.push(...closing.changes);
    result.closed.push(...closes.map(({ position, reason }) => ({ positionId: position.id, reason: reason as TriggerReason })));
    for (const item of crossed) {
      if (item.kind !== 'order') continue;
      const order = state.orders.get(item.id);
      if (!order || ended.has(order.id)) continue;
      const positionId = await this.fillOrder(manager, state, order, item.fillPrice, quote, now, changes);
      if (positionId) result.filled.push({ orderId: order.id, positionId });
    }
    return { result, changes };
  }

  /** The leader's sweep (about once a second, ticks or not): orders due expire; a shard winding down cancels its orders. */
  private async expireDue(manager: EntityManager, state: PerpShardState, now: number): Promise<Applied> {
    const changes: (() => void)[] = [];
    const expired = await this.expireOrders(manager, state, now, changes);
    const cancelled = await this.cancelOrdersOfUntraded(manager, state, new Set(expired), new Date(now), changes);
    return { result: { expired, cancelled }, changes };
  }

  // ---- steps ------------------------------------------------------------------------------------

  /**
   * Closes positions at their exit prices, in a constant number of statements however many a tick crosses: one
   * UPDATE of the positions (guarded by `status = 'open'`), one INSERT of the fills, the ledger postings, then
   * the events. Each position's money: user locked −margin → available +payout, fees +closeFee, house ±the rest.
   */
  private async closePositions(manager: EntityManager, state: PerpShardState, closes: PositionClose[], at: Date): Promise<{ closed: PerpPositionEntity[]; changes: (() => void)[] }> {
    if (closes.length === 0) return { closed: [], changes: [] };
    const settled = closes.map(({ position, reason, exitPrice, referencePrice }) => {
      // At the fee of the open, not the symbol's fee now (an admin may have changed it since).
      const settlement = settle(this.termsOf(position), exitPrice, reason, BigInt(position.takerFeeBps));
      const slippage = referencePrice === null ? 0n : gap(exitPrice, referencePrice);
      const closed = Object.assign(Object.create(PerpPositionEntity.prototype) as PerpPositionEntity, position, {
        status: 'closed',
        exitPrice,
        realizedPnl: settlement.pnl,
        payout: settlement.payout,
        closeFee: settlement.closeFee,
        closeReason: reason,
        liquidationGap: reason === 'liquidation' ? slippage : null,
        closedAt: at,
      });
      return { closed, settlement, reason, exitPrice, referencePrice };
    });

    const updated = (await manager.query(
      `UPDATE perp_positions AS p
          SET status = 'closed', exit_price = v.exit_price, realized_pnl = v.realized_pnl, payout = v.payout, close_fee = v.close_fee,
              close_reason = v.close_reason, liquidation_gap = v.liquidation_gap, closed_at = $1
         FROM unnest($2::uuid[], $3::numeric[], $4::numeric[], $5::numeric[], $6::numeric[], $7::varchar[], $8::numeric[])
              AS v(id, exit_price, realized_pnl, payout, close_fee, close_reason, liquidation_gap)
        WHERE p.id = v.id AND p.status = 'open'
       RETURNING p.id`,
      [
        at,
        pgArray(settled.map(({ closed }) => closed.id)),
        pgArray(settled.map(({ closed }) => priceColumn.to(closed.exitPrice) ?? null)),
        pgArray(settled.map(({ closed }) => closed.realizedPnl!.toString())),
        pgArray(settled.map(({ closed }) => closed.payout!.toString())),
        pgArray(settled.map(({ closed }) => closed.closeFee!.toString())),
        pgArray(settled.map(({ closed }) => closed.closeReason)),
        pgArray(settled.map(({ closed }) => (closed.liquidationGap === null ? null : priceColumn.to(closed.liquidationGap) ?? null))),
      ],
    )) as [{ id: string }[], number] | { id: string }[];
    const updatedRows = Array.isArray(updated[0]) ? (updated[0] as { id: string }[]) : (updated as { id: string }[]);
    if (updatedRows.length !== settled.length) throw new Error(`perps: ${settled.length - updatedRows.length} of ${settled.length} positions to close were not open in the database`);

    await manager.insert(
      PerpFillEntity,
      settled.map(({ closed, reason, exitPrice, referencePrice, settlement }) => ({
        id: randomUUID(),
        positionId: closed.id,
        kind: (reason === 'user' ? 'close' : 'trigger') as PerpFillKind,
        reason,
        price: exitPrice,
        referencePrice,
        slippage: referencePrice === null ? 0n : gap(exitPrice, referencePrice),
        fee: settlement.closeFee,
        createdAt: at,
      })),
    );
    await this.postAll(
      manager,
      settled.map(({ closed, settlement, reason }) =>
        this.posting(`perp-position:${closed.id}`, `perp.position.${reason === 'user' ? 'close' : reason}`, `perp-position:${closed.id}:close`, false, [
          { account: { userId: closed.userId }, bucket: 'locked', amount: -closed.margin },
          { account: { userId: closed.userId }, bucket: 'available', amount: settlement.payout },
          { account: SystemAccount.fees, bucket: 'available', amount: settlement.closeFee },
          { account: SystemAccount.house, bucket: 'available', amount: settlement.houseDelta },
        ]),
      ),
    );
    const closedNotional = formatUsdc(settled.reduce((sum, { closed }) => sum + closed.notional, 0n));
    await this.volume.recordVolume(state.symbol, closedNotional, at, manager);
    this.traded(manager, state.symbol, 'close', settled.length, closedNotional);
    for (const { closed, reason } of settled) {
      this.positionChanged(manager, closed, null);
      if (reason !== 'user') this.notifyTrigger(manager, closed, reason, at);
    }
    return {
      closed: settled.map(({ closed }) => closed),
      changes: settled.map(({ closed }) => () => {
        state.positions.delete(closed.id);
        state.triggers.remove(closed.id);
      }),
    };
  }

  /** Opens the order's position at `fillPrice`; the held fee goes to `fees`, the held margin stays locked as the position's. */
  private async fillOrder(
    manager: EntityManager,
    state: PerpShardState,
    order: PerpOrderEntity,
    fillPrice: bigint,
    quote: MarkQuote,
    now: Date,
    changes: (() => void)[],
  ): Promise<string | null> {
    const rules = await this.markets.rules(order.symbol);
    // The order's own terms (fee and maintenance margin at placement); the symbol's rules now only decide whether it may still open.
    const terms: PositionTerms = { side: order.side, margin: order.margin, leverage: order.leverage, entryPrice: fillPrice, maintenanceMarginBps: BigInt(order.maintenanceMarginBps) };
    const opened = rules ? openTerms(terms, { maxLeverage: rules.maxLeverage, takerFeeBps: BigInt(order.takerFeeBps) }) : { problem: 'symbol no longer traded' };
    if ('problem' in opened || rules?.halted) {
      // The market changed under the order (halted, stricter rules): it cannot open; its hold goes back.
      this.logger.warn(`order ${order.id} cancelled at fill: ${'problem' in opened ? opened.problem : 'halted'}`);
      changes.push(...(await this.endOrder(manager, state, order, 'cancelled', now)));
      return null;
    }
    const position = this.newPosition({
      userId: order.userId,
      symbol: order.symbol,
      terms,
      takerFeeBps: order.takerFeeBps,
      opened: { ...opened, openFee: order.heldFee },
      triggers: { stopLoss: order.stopLoss, takeProfit: order.takeProfit },
      orderId: order.id,
      now,
    });
    await manager.insert(PerpPositionEntity, position);
    const filled = await manager.update(PerpOrderEntity, { id: order.id, status: 'open' }, { status: 'filled', positionId: position.id, endedAt: now });
    if (filled.affected !== 1) throw new Error(`perps: order ${order.id} was not open in the database`);
    if (order.heldFee > 0n) {
      await this.ledger.settleHold(manager, { userId: order.userId }, order.heldFee, {
        kind: 'perp.order.fill',
        reference: `perp-order:${order.id}`,
        idempotencyKey: `perp-order:${order.id}:fill`,
        to: SystemAccount.fees,
      });
    }
    await this.recordFill(manager, position.id, 'open', null, fillPrice, order.price, order.heldFee, now);
    await this.volume.recordVolume(order.symbol, formatUsdc(position.notional), now, manager);
    this.traded(manager, order.symbol, 'open', 1, formatUsdc(position.notional));
    Object.assign(order, { status: 'filled', positionId: position.id, endedAt: now });
    this.orderChanged(manager, order);
    this.positionChanged(manager, position, quote);
    changes.push(() => {
      state.orders.delete(order.id);
      state.triggers.remove(order.id);
      this.watchPosition(state, position);
    });
    return position.id;
  }

  private async expireOrders(manager: EntityManager, state: PerpShardState, now: number, changes: (() => void)[]): Promise<string[]> {
    const due = [...state.orders.values()].filter((order) => order.expiresAt !== null && order.expiresAt.getTime() <= now);
    for (const order of due) changes.push(...(await this.endOrder(manager, state, order, 'expired', new Date(now))));
    return due.map((order) => order.id);
  }

  /**
   * On a shard winding down (its symbol removed from PERP_SYMBOLS) no order can open its position any more: each open
   * one (but those in `skip`, ended already by this command) is cancelled, its hold released, so no money waits on it.
   */
  private async cancelOrdersOfUntraded(manager: EntityManager, state: PerpShardState, skip: ReadonlySet<string>, at: Date, changes: (() => void)[]): Promise<string[]> {
    if (state.orders.size === 0 || this.markets.isTraded(state.symbol)) return [];
    const orders = [...state.orders.values()].filter((order) => !skip.has(order.id));
    for (const order of orders) changes.push(...(await this.endOrder(manager, state, order, 'cancelled', at)));
    if (orders.length > 0) this.logger.log(`${state.symbol} is not in PERP_SYMBOLS: cancelled its ${orders.length} open orders`);
    return orders.map((order) => order.id);
  }

  /** Cancelled or expired: the held margin and fee go back to available. */
  private async endOrder(manager: EntityManager, state: PerpShardState, order: PerpOrderEntity, status: 'cancelled' | 'expired', at: Date): Promise<(() => void)[]> {
    const ended = await manager.update(PerpOrderEntity, { id: order.id, status: 'open' }, { status, endedAt: at });
    if (ended.affected !== 1) throw new Error(`perps: order ${order.id} was not open in the database`);
    await this.ledger.release(manager, { userId: order.userId }, order.margin + order.heldFee, {
      kind: `perp.order.${status === 'cancelled' ? 'cancel' : 'expire'}`,
      reference: `perp-order:${order.id}`,
      idempotencyKey: `perp-order:${order.id}:release`,
    });
    const ending = Object.assign(Object.create(PerpOrderEntity.prototype) as PerpOrderEntity, order, { status, endedAt: at });
    this.orderChanged(manager, ending);
    return [
      () => {
        Object.assign(order, { status, endedAt: at });
        state.orders.delete(order.id);
        state.triggers.remove(order.id);
      },
    ];
  }

  // ---- helpers ----------------------------------------------------------------------------------

  private async tradableRules(symbol: string): Promise<PerpMarketRules> {
    const rules = await this.markets.rules(symbol);
    if (!rules) throw new UnknownSymbol(symbol);
    if (rules.halted) throw new SymbolHalted(symbol);
    return rules;
  }

  private checkSize(rules: PerpMarketRules, margin: bigint, leverage: number): void {
    if (!Number.isInteger(leverage) || leverage < 1 || leverage > rules.maxLeverage) {
      throw new LeverageOutOfRange(`leverage must be an integer between 1 and ${rules.maxLeverage}`, { min: 1, max: rules.maxLeverage });
    }
    if (margin < rules.minMargin) throw new MarginBelowMinimum(formatUsdc(rules.minMargin));
  }

  private openTermsOf(terms: PositionTerms, rules: PerpMarketRules) {
    const opened = openTerms(terms, { maxLeverage: rules.maxLeverage, takerFeeBps: BigInt(rules.takerFeeBps) });
    if ('problem' in opened) throw new LeverageOutOfRange(opened.problem, { min: 1, max: rules.maxLeverage });
    return opened;
  }

  private termsOf(position: PerpPositionEntity): PositionTerms {
    return {
      side: position.side,
      margin: position.margin,
      leverage: position.leverage,
      entryPrice: position.entryPrice,
      maintenanceMarginBps: BigInt(position.maintenanceMarginBps),
    };
  }

  private newPosition(input: {
    userId: string;
    symbol: string;
    terms: PositionTerms;
    takerFeeBps: number;
    opened: { notional: bigint; openFee: bigint; liquidationPrice: bigint };
    triggers: { stopLoss: bigint | null; takeProfit: bigint | null };
    orderId: string | null;
    now: Date;
  }): PerpPositionEntity {
    return Object.assign(new PerpPositionEntity(), {
      id: randomUUID(),
      userId: input.userId,
      symbol: input.symbol,
      side: input.terms.side,
      status: 'open',
      margin: input.terms.margin,
      leverage: input.terms.leverage,
      notional: input.opened.notional,
      entryPrice: input.terms.entryPrice,
      maintenanceMarginBps: Number(input.terms.maintenanceMarginBps),
      liquidationPrice: input.opened.liquidationPrice,
      takerFeeBps: input.takerFeeBps,
      stopLoss: input.triggers.stopLoss,
      takeProfit: input.triggers.takeProfit,
      openFee: input.opened.openFee,
      closeFee: null,
      exitPrice: null,
      realizedPnl: null,
      payout: null,
      closeReason: null,
      liquidationGap: null,
      orderId: input.orderId,
      openedAt: input.now,
      closedAt: null,
    });
  }

  /** The caller's open position on this shard; a closed one is 409, anyone else's or none 404. */
  private async ownOpenPosition(manager: EntityManager, state: PerpShardState, userId: string, positionId: string): Promise<PerpPositionEntity> {
    const position = state.positions.get(positionId);
    if (position && position.userId === userId) return position;
    const stored = await manager.findOne(PerpPositionEntity, { where: { id: positionId, userId } });
    if (!stored) throw new PositionNotFound(positionId);
    throw new PositionClosed(positionId);
  }

  private watchPosition(state: PerpShardState, position: PerpPositionEntity): void {
    state.positions.set(position.id, position);
    state.triggers.add({
      kind: 'position',
      id: position.id,
      side: position.side,
      liquidationPrice: position.liquidationPrice,
      stopLoss: position.stopLoss,
      takeProfit: position.takeProfit,
    });
  }

  private watchOrder(state: PerpShardState, order: PerpOrderEntity): void {
    state.orders.set(order.id, order);
    state.triggers.add({ kind: 'order', id: order.id, side: order.side, type: order.type, price: order.price });
  }

  /** One balanced posting; zero movements (no fee, nothing paid back) are left out. */
  private posting(reference: string, kind: string, idempotencyKey: string, freshKey: boolean, movements: Movement[]): Posting {
    return { kind, reference, idempotencyKey, freshKey, movements: movements.filter((movement) => movement.amount !== 0n) };
  }

  private post(manager: EntityManager, reference: string, kind: string, idempotencyKey: string, freshKey: boolean, movements: Movement[]) {
    return this.ledger.post(manager, this.posting(reference, kind, idempotencyKey, freshKey, movements));
  }

  /** Postings that cannot be refused (they spend locked margin the venue holds): any refusal is a broken invariant. */
  private async postAll(manager: EntityManager, postings: Posting[]): Promise<void> {
    const outcomes = await this.ledger.postBatch(manager, postings);
    const refused = outcomes.find((outcome) => !outcome.ok);
    if (refused && !refused.ok) throw new Error(`perps: a close posting was refused: ${refused.refusal.message}`);
  }

  private async recordFill(
    manager: EntityManager,
    positionId: string,
    kind: PerpFillKind,
    reason: CloseReason | null,
    price: bigint,
    referencePrice: bigint | null,
    fee: bigint,
    at: Date,
  ): Promise<void> {
    await manager.insert(PerpFillEntity, this.fillRow(positionId, kind, reason, price, referencePrice, fee, at));
  }

  private fillRow(positionId: string, kind: PerpFillKind, reason: CloseReason | null, price: bigint, referencePrice: bigint | null, fee: bigint, at: Date) {
    const slippage = referencePrice === null ? 0n : gap(price, referencePrice);
    return { id: randomUUID(), positionId, kind, reason, price, referencePrice, slippage, fee, createdAt: at };
  }

  private answer<Result>(fingerprint: string, value: Result, changes: (() => void)[]): Applied {
    const result: Fingerprinted<Result> = { fingerprint, value };
    return { result, changes };
  }

  private positionChanged(manager: EntityManager, position: PerpPositionEntity, quote: MarkQuote | null): void {
    this.events.afterCommit(manager, { name: UserUpdateEvent.PositionUpdated, payload: { userId: position.userId, position: { kind: 'perp-position', ...toPositionDto(position, quote) } } });
  }

  private traded(manager: EntityManager, symbol: string, action: 'open' | 'close', trades: number, notional: string): void {
    if (trades > 0) this.events.afterCommit(manager, { name: TradesEvent.Traded, payload: { symbol, action, trades, notional } });
  }

  private orderChanged(manager: EntityManager, order: PerpOrderEntity): void {
    this.events.afterCommit(manager, { name: UserUpdateEvent.OrderUpdated, payload: { userId: order.userId, order: { kind: 'perp-order', ...toOrderDto(order) } } });
  }

  private notifyTrigger(manager: EntityManager, position: PerpPositionEntity, reason: TriggerReason, at: Date): void {
    const what = reason === 'liquidation' ? 'was liquidated' : reason === 'stop_loss' ? 'hit its stop-loss' : 'hit its take-profit';
    const price = formatPrice(position.exitPrice!);
    this.events.afterCommit(manager, {
      name: TradesEvent.PositionTriggered,
      payload: {
        userId: position.userId,
        reason,
        positionId: position.id,
        symbol: position.symbol,
        message: `Your ${position.symbol} ${position.side} ${what} at ${price}`,
        price,
        payout: formatUsdc(position.payout ?? 0n),
        at: at.toISOString(),
      },
    });
  }
}
