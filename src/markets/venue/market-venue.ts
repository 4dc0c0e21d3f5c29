import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { LedgerService, Movement, Posting, PostingOutcome, Postings, SystemAccount } from '../../accounts/ledger.service';
import { AppConfig } from '../../config/app-config';
import { DomainEventBus } from '../../common/events/domain-event-bus';
import { RequestContext } from '../../common/request-context';
import { DomainError, NotFound } from '../../common/errors/domain-error';
import { isUuid } from '../../common/ids';
import { pgArray } from '../../database/pg-array';
import { CreatorEarnings } from '../../creators/creator-earnings.service';
import type { BatchContext, CommandOutcome, EngineCommand, VenueShard } from '../../engine/venue';
import {
  AmmQuote,
  applyFill,
  assertPoolInvariant,
  formatRatio,
  InsufficientShares,
  LmsrState,
  MarketPosition,
  PriceMovedBeyondSlippage,
  priceStrings,
  quoteBuy,
  quoteSell,
} from '../amm';
import { LmsrMarketPool, MarketOrder, MarketOrderResult, OrderBook, OrderSnapshot, OutcomePool } from '../book';
import type { MarketFillDto, QuoteDto } from '../market.dto';
import { MarketEntity } from '../market.entity';
import type { BookDeltaDto, CancelledOrdersDto, MarketOrderDto, OrderFillDto, PlacedOrderDto } from '../market-order.dto';
import { assertTradable, feeScheduleOf, formatUnits, lmsrStateOf, resolveOutcome } from '../market-rules';
import { MARKET_COLUMNS, MarketRepository, PositionRow, poolOf } from '../market.repository';
import { MarketEvent, MarketTradedEvent } from '../markets.events';
import { buyHold, ledgerMovements, OrderCommandEffects, orderCommandEffects, RestingOrderState, tickPrice } from '../order-effects';
import { positionOfRow } from '../market-positions';
import { assertWholeLots, lotUnitsOf, parsePriceTick } from '../market-tick';
import {
  type BuyPayload,
  type CancelOrderPayload,
  type ExpirePayload,
  type Fingerprint,
  type Fingerprinted,
  MarketCommandType,
  type PlaceOrderPayload,
  type SellPayload,
} from './market-commands';
import { ORDER_COLUMNS, OrderRow, orderDto, remainingOf, snapshotOf, UNIT_SCALE } from './market-order-rows';

/** An open order as the shard keeps it (the fields the book's effects and the sell check need). */
export interface RestingOrder extends RestingOrderState {
  readonly id: string;
  readonly outcome: number;
  readonly priceTick: number;
  readonly shares: bigint;
  filledShares: bigint;
  lockedAmount: bigint;
  readonly expiresAt: number | null;
  /** The rest of its row, so an answer about it (a cancel) needs no read. */
  readonly timeInForce: MarketOrderDto['timeInForce'];
  readonly postOnly: boolean;
  createdAt: Date;
}

/**
 * One market on its shard's leader: the market row, its outcome labels, the LMSR pool and one order book per
 * outcome holding every open order, all as PostgreSQL last committed them.
 */
/** A resting order of a restAll run, and a cancel of one. */
interface RestPlaced {
  index: number;
  command: EngineCommand;
  id: string;
  outcome: number;
  priceTick: number;
  payload: PlaceOrderPayload;
  shares: bigint;
  hold: bigint;
  resting: RestingOrder;
}

interface RestCancelled {
  index: number;
  command: EngineCommand;
  resting: RestingOrder;
}

/** restAll's outcome: the run's answers and its rows' write (see restAll). */
interface RestRun {
  outcomes: CommandOutcome[];
  write(): Promise<void>;
}

export interface MarketShardState {
  marketId: string;
  market: MarketEntity;
  labels: string[];
  pool: LmsrMarketPool;
  books: OrderBook[];
  orders: Map<string, RestingOrder>;
  /** Set by a command before it changes the books or the pool: a refusal after that reloads the state. */
  dirty: boolean;
  /**
   * Whose positions each of the last ENGINE_PIPELINE_DEPTH − 1 batches applied wrote, newest last (the batches
   * that may still be committing when the next one is applied): the users of its runs of trades, none for runs of
   * resting orders, null when a command applied alone wrote (not tracked). A batch of trades by none of them may
   * read its positions while those batches still commit (see overlaps). Absent after a load: no batch in flight.
   */
  positionWrites?: (Set<string> | null)[];
}

/** How long an overlapped batch waits for the market row's lock (see fenceUnchanged). */
const OVERLAPPED_LOCK_WAIT_MS = 2000;

/** A price level of one outcome's book, named by its side and tick. */
interface BookLevelRef {
  outcome: number;
  side: 'buy' | 'sell';
  tick: number;
}

/** An order leaving the book without filling, with what its row held. */
interface RemovedOrder {
  snapshot: OrderSnapshot;
  outcome: number;
  resting: RestingOrderState;
}

const refusalOf = (error: DomainError): CommandOutcome => ({
  ok: false,
  refusal: { status: error.status, error: error.error, message: error.message, details: error.details as Record<string, unknown> | undefined },
});

/**
 * Prediction markets on the venue engine (issue 14): one shard per market. The leader keeps the market's pool and
 * books in memory (loaded from PostgreSQL on takeover) and applies orders, cancels and AMM trades in arrival order,
 * each in a savepoint of the batch's transaction: a refused command leaves no rows, postings or events, and if it
 * had already changed the books (a ledger refusal after matching) the state is read again inside the batch.
 *
 * Lifecycle steps (close, resolve, cancel) stay where they are, under the market row's lock, and cancel the open
 * orders in PostgreSQL. Each batch first takes the same lock (the batch's fence on the market): a step committed
 * before it is seen (status or pool changed, the state is reloaded and orders are refused), and a step waits for
 * the batch's commit; so no order lands after the close.
 *
 * The same code runs without the engine (`applyDirect`: one command in the caller's transaction on a state loaded
 * under the lock), the path of ENGINE_ENABLED=false and of the medium tests.
 */
@Injectable()
export class MarketVenue implements VenueShard<MarketShardState> {
  constructor(
    private readonly ledger: LedgerService,
    private readonly events: DomainEventBus,
    private readonly config: AppConfig,
    private readonly creatorEarnings: CreatorEarnings,
  ) {}

  /** When each shard this instance leads last applied a batch (MarketCommands keeps busy shards listed). */
  private readonly lastBatchAt = new Map<string, number>();

  /** Shards that applied a batch here at or after `since` (epoch ms); older entries are forgotten. */
  activeSince(since: number): string[] {
    for (const [shard, at] of this.lastBatchAt) if (at < since) this.lastBatchAt.delete(shard);
    return [...this.lastBatchAt.keys()];
  }

  async load(manager: EntityManager, marketId: string): Promise<MarketShardState> {
    return this.loadWith(manager, await MarketRepository.find(manager, marketId));
  }

  /** The market row's lock, taken by the engine in the batch's head statement (see VenueShard.lockSql); `$2` is the shard, the market id. */
  readonly lockSql = `SELECT ${MARKET_COLUMNS} FROM markets WHERE id = $2::uuid FOR UPDATE`;

  /**
   * Whether a batch may be applied while the previous batch of the market still commits (ENGINE_PIPELINE_DEPTH > 1):
   * resting buys and cancels of committed orders, the run `restAll` writes without reading a row. What it writes
   * while overlapped are the holds and releases (user accounts: a lock the previous batch holds is waited for, never
   * the other way round); the orders, the books' sequences and the market row's lock wait for `beforeCommit`. Sells
   * (they read positions a previous batch may have written), crossing orders and due expiries do not overlap.
   *
   * So do batches of buys and sells on a market without a creator (no dividend period rows) by users whose positions
   * the batches that may still be committing did not write (`positionWrites`): their positions are read and their postings made at once
   * (the pool's account lock waits for the previous commit, never the other way round); the market, position, price
   * point and trade rows wait for `beforeCommit`. A trade that would meet a resting order, or a run the ledger refuses,
   * first awaits the previous commit and goes on as in a batch applied after it.
   */
  overlaps(commands: EngineCommand[], state: MarketShardState): boolean {
    if (this.hasDue(state, Date.now())) return false;
    if (commands.every(isTrade)) {
      const recent = state.positionWrites ?? [];
      return !state.market.creatorId && recent.every((written) => written !== null && commands.every((command) => !written.has(command.userId ?? '')));
    }
    return commands.every((command) => {
      if (command.type === MarketCommandType.CancelOrder) return state.orders.get((command.payload as CancelOrderPayload).orderId)?.userId === command.userId;
      if (command.type !== MarketCommandType.PlaceOrder) return false;
      const payload = command.payload as PlaceOrderPayload;
      if (payload.side !== 'buy' || (payload.timeInForce !== 'GTC' && payload.timeInForce !== 'GTD')) return false;
      try {
        return !this.wouldTake(state, resolveOutcome(state.labels, payload.outcome), 'buy', parsePriceTick(payload.price, state.market.ticksPerUnit));
      } catch {
        return false;
      }
    });
  }

  async applyBatch(manager: EntityManager, state: MarketShardState, commands: EngineCommand[], _shard?: string, context?: BatchContext): Promise<CommandOutcome[]> {
    this.lastBatchAt.set(state.marketId, Date.now());
    // Overlapped (see overlaps): the rest runs' row writes wait in `deferred` for the previous batch's commit, in
    // beforeCommit, or until this apply meets anything else (`settle`): from then on it is an ordinary batch.
    let overlapped = context?.overlapped === true;
    // The market row as the previous batch leaves it (an overlapped run of trades moves the one in memory at once).
    const asCommitted = overlapped ? { ...state.market } : state.market;
    const deferred: (() => Promise<void>)[] = [];
    const settle = async () => {
      if (!overlapped) return;
      overlapped = false;
      await context!.afterEarlierCommitted();
      await this.fenceUnchanged(manager, state, asCommitted);
      for (const write of deferred.splice(0)) await write();
    };
    // Whose positions this batch writes (undefined once a command goes alone: not tracked there).
    let positionsWritten: Set<string> | undefined = new Set<string>();
    if (overlapped) context!.beforeCommit(settle);
    else await this.fence(manager, state, context?.locked);
    const expiring = commands.some((command) => command.type === MarketCommandType.Expire);
    if (!overlapped && !expiring && this.hasDue(state, Date.now())) {
      positionsWritten = undefined;
      await manager.transaction((inner) => this.expireDue(inner, state, Date.now()));
    }
    const outcomes: CommandOutcome[] = [];
    // Commands before this index go one at a time (a run of trades the ledger refused part of).
    let oneByOneUntil = 0;
    for (let next = 0; next < commands.length; ) {
      if (next >= oneByOneUntil && isTrade(commands[next])) {
        // A run of consecutive trades (one alone too: it then needs no savepoint) is written together, in a constant
        // number of statements (see tradeAll), up to the first that would meet a resting order: that one goes
        // alone, through the book (see routeOrTrade). Overlapped, its rows wait in `deferred` (see overlaps).
        let end = next;
        while (end < commands.length && isTrade(commands[end])) end++;
        const together = await this.tradeAllOrNull(manager, state, commands.slice(next, end), overlapped ? deferred : null);
        if (together && together.length > 0) {
          for (const command of commands.slice(next, next + together.length)) positionsWritten?.add(command.userId ?? '');
          outcomes.push(...together);
          next += together.length;
          continue;
        }
        oneByOneUntil = together ? next + 1 : end;
      }
      if (next >= oneByOneUntil && isOrderCommand(commands[next])) {
        // A run of orders that rest without trading and cancels (one alone too), written together (see restAll).
        const run = await this.restAllOrNull(manager, state, commands.slice(next), overlapped);
        if (run && run.outcomes.length > 0) {
          if (overlapped) deferred.push(run.write);
          else await run.write();
          outcomes.push(...run.outcomes);
          next += run.outcomes.length;
          continue;
        }
        await settle();
        // A hold refused (null): the state is read again, and the rest of the batch goes one at a time.
        if (!run && state.dirty) Object.assign(state, await this.loadWith(manager, await MarketRepository.find(manager, state.marketId)));
        // Empty: the first is not of that kind.
        oneByOneUntil = run ? next + 1 : commands.length;
      }
      await settle();
      positionsWritten = undefined;
      const command = commands[next++];
      state.dirty = false;
      try {
        // A savepoint per command: a refusal rolls back its own writes (and events) only.
        // In the context of the request that sent it (when it came from this instance's HTTP layer): its events' broadcasts name that request.
        const requestId = requestIdOf(command);
        const result = await RequestContext.run(requestId ? { requestId } : {}, () => manager.transaction((inner) => this.apply(inner, state, command)));
        outcomes.push({ ok: true, result });
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        if (state.dirty) Object.assign(state, await this.loadWith(manager, await MarketRepository.find(manager, state.marketId)));
        outcomes.push(refusalOf(error));
      }
    }
    state.positionWrites = [...(state.positionWrites ?? []), positionsWritten ?? null].slice(-Math.max(1, this.config.enginePipelineDepth - 1));
    return outcomes;
  }

  /**
   * A run of consecutive buys and sells written together: each priced on the state the ones before it left and
   * checked in memory (a refusal there is that command's alone and changes nothing), then one ledger postBatch for
   * all that passed and one statement each for the market, the positions, the price points and the trades; the
   * state moves only after all of it. If the ledger would refuse any of them (a later trade's price depended on
   * it), nothing has been written and null is returned: the caller applies the run one command at a time. With
   * `deferred` (an overlapped batch) the market, position, price point and trade rows are written there, later.
   */
  private async tradeAllOrNull(manager: EntityManager, state: MarketShardState, commands: EngineCommand[], deferred: (() => Promise<void>)[] | null): Promise<CommandOutcome[] | null> {
    // No savepoint: the run writes nothing before the ledger accepted all of it (postAllOrNothing), and nothing after that refuses.
    try {
      return await this.tradeAll(manager, state, commands, deferred);
    } catch (error) {
      if (error instanceof TradeRunRefused) return null;
      throw error;
    }
  }

  private async tradeAll(manager: EntityManager, state: MarketShardState, commands: EngineCommand[], deferred: (() => Promise<void>)[] | null): Promise<CommandOutcome[]> {
    const { market } = state;
    const outcomes = new Array<CommandOutcome>(commands.length);
    // The run stops before the first trade that would meet a resting order (it goes alone, through the book).
    let count = commands.length;
    const outcomeCount = market.outstandingShares.length;
    const userIds = [...new Set(commands.map((command) => command.userId ?? ''))];
    const rows = (await manager.query(`SELECT user_id, shares, cost_basis, paid, received FROM market_positions WHERE market_id = $1 AND user_id = ANY($2::uuid[])`, [
      market.id,
      userIds,
    ])) as (PositionRow & { user_id: string })[];
    const positions = new Map<string, MarketPosition>(rows.map((row) => [row.user_id, positionOfRow(row, outcomeCount)]));
    let working = lmsrStateOf(market);
    const totals = { volume: market.volume, platformFees: market.platformFees, creatorFees: market.creatorFees };
    const accepted: { index: number; command: EngineCommand; userId: string; fill: AmmQuote['fill']; volume: bigint }[] = [];
    for (const [index, command] of commands.entries()) {
      const userId = command.userId ?? '';
      if (this.reachesBook(state, working, command)) {
        count = index;
        break;
      }
      try {
        assertTradable(market);
        const payload = command.payload as BuyPayload | SellPayload;
        const outcome = resolveOutcome(state.labels, payload.outcome);
        const fees = feeScheduleOf(market, userId);
        const quote =
          command.type === MarketCommandType.Buy
            ? quoteBuy(working, outcome, BigInt((payload as BuyPayload).amount), { fees, minShares: optionalUnits((payload as BuyPayload).minShares) })
            : quoteSell(working, outcome, BigInt((payload as SellPayload).shares), { fees, minProceeds: optionalUnits((payload as SellPayload).minProceeds) });
        const before = positions.get(userId) ?? positionOfRow(undefined, outcomeCount);
        const position = applyFill(before, quote.fill);
        const { fill } = quote;
        if (fill.side === 'sell') this.assertNotOffered(state, userId, outcome, before, fill);
        positions.set(userId, position);
        working = quote.state;
        totals.volume += fill.side === 'buy' ? fill.amount : -fill.poolDelta;
        totals.platformFees += fill.fee - fill.creatorFee;
        totals.creatorFees += fill.creatorFee;
        accepted.push({ index, command, userId, fill, volume: totals.volume });
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        outcomes[index] = refusalOf(error);
      }
    }
    outcomes.length = count;
    if (accepted.length === 0) return outcomes;

    const postings: Posting[] = [];
    // The creator's dividend period once for the run (one cursor lookup, not one per trade).
    const periods = new Map<string, Date | undefined>();
    const now = new Date();
    for (const { command, userId, fill } of accepted) {
      postings.push({
        kind: `market.${fill.side}`,
        reference: `market:${market.id}`,
        movements: await this.tradeMovements(manager, market, userId, fill, { periods, now }),
        requestId: requestIdOf(command),
      });
    }
    const posted = await this.postRun(manager, postings);
    const pool = poolOf(market.id);
    let poolBalance: bigint | undefined;
    for (const outcome of posted) {
      const balance = outcome.ok ? outcome.result.systemBalances.find((entry) => entry.system === pool.system) : undefined;
      if (balance) poolBalance = balance.available;
    }

    const tradeIds = accepted.map(() => randomUUID());
    const finalPositions = [...new Set(accepted.map(({ userId }) => userId))].map((userId) => ({ userId, position: positions.get(userId)! }));
    // One price point for the run, its last prices: the points of one transaction share its now(), and every reader
    // (history's last point per interval, a book trade's prices then) takes the last of them, id last. Each trade's
    // own prices are in its market_trades row. The arrays go as pgArray literals (not node-postgres' escaping).
    const write = () => manager.query(
      `WITH m AS (
         UPDATE markets SET outstanding_shares = $2::numeric[], volume = $3, platform_fees = $4, creator_fees = $5,
                trade_count = trade_count + $6, updated_at = now()
          WHERE id = $1 RETURNING id
       ), p AS (
         INSERT INTO market_positions (market_id, user_id, shares, cost_basis, paid, received)
         SELECT $1, u, string_to_array(s, ',')::numeric[], string_to_array(cb, ',')::numeric[], pd, r
           FROM unnest($7::uuid[], $8::text[], $9::text[], $10::numeric[], $11::numeric[]) AS x(u, s, cb, pd, r)
         ON CONFLICT (market_id, user_id) DO UPDATE SET shares = EXCLUDED.shares, cost_basis = EXCLUDED.cost_basis,
                paid = EXCLUDED.paid, received = EXCLUDED.received, updated_at = now()
         RETURNING id
       ), pp AS (
         INSERT INTO market_price_points (market_id, prices) VALUES ($1, $12::numeric[])
         RETURNING id
       )
       INSERT INTO market_trades (id, market_id, user_id, side, outcome, shares, amount, fee, creator_fee, average_price, prices)
       SELECT t, $1, u, sd, o, sh, a, f, cf, ap, string_to_array(pr, ',')::numeric[]
         FROM unnest($13::uuid[], $14::uuid[], $15::text[], $16::int[], $17::numeric[], $18::numeric[], $19::numeric[], $20::numeric[], $21::numeric[], $22::text[])
              AS x(t, u, sd, o, sh, a, f, cf, ap, pr)`,
      [
        market.id,
        pgArray(working.outstandingShares),
        totals.volume.toString(),
        totals.platformFees.toString(),
        totals.creatorFees.toString(),
        accepted.length,
        pgArray(finalPositions.map((entry) => entry.userId)),
        pgArray(finalPositions.map((entry) => entry.position.shares.join(','))),
        pgArray(finalPositions.map((entry) => entry.position.costBasis.join(','))),
        pgArray(finalPositions.map((entry) => entry.position.paid)),
        pgArray(finalPositions.map((entry) => entry.position.received)),
        pgArray(accepted[accepted.length - 1].fill.prices),
        pgArray(tradeIds),
        pgArray(accepted.map(({ userId }) => userId)),
        pgArray(accepted.map(({ fill }) => fill.side)),
        pgArray(accepted.map(({ fill }) => fill.outcome)),
        pgArray(accepted.map(({ fill }) => fill.shares)),
        pgArray(accepted.map(({ fill }) => fill.amount)),
        pgArray(accepted.map(({ fill }) => fill.fee)),
        pgArray(accepted.map(({ fill }) => fill.creatorFee)),
        pgArray(accepted.map(({ fill }) => fill.averagePrice)),
        pgArray(accepted.map(({ fill }) => fill.prices.join(','))),
      ],
    ).then(() => undefined);
    if (deferred) deferred.push(write);
    else await write();
    // A bug guard, not a client error: the pool must always be able to pay the worst outcome (rolls back).
    assertPoolInvariant(working, poolBalance ?? (await this.ledger.systemBalance(manager, pool)));

    // Every check and write passed: the state moves.
    state.dirty = true;
    Object.assign(market, { outstandingShares: [...working.outstandingShares], ...totals });
    market.tradeCount += accepted.length;
    state.pool.state = lmsrStateOf(market);
    const at = new Date().toISOString();
    accepted.forEach(({ index, command, userId, fill, volume }, k) => {
      const dto: MarketFillDto = { tradeId: tradeIds[k], ...fillDto(fill) };
      const requestId = requestIdOf(command);
      const traded = tradedEvent(market, userId, dto, fill, volume, at);
      RequestContext.run(requestId ? { requestId } : {}, () => this.events.afterCommit(manager, { name: MarketEvent.Traded, payload: traded }));
      outcomes[index] = { ok: true, result: { fingerprint: (command.payload as Fingerprint).fingerprint, value: dto } };
    });
    return outcomes;
  }

  /**
   * From the start of `commands`: the longest run of orders that rest without taking anything (GTC or GTD, neither
   * crossing the book nor the pool by a lot when they arrive) and cancels of resting orders, applied in memory one
   * after the other and written together in one savepoint: one ledger postBatch (buy holds, released holds), one
   * INSERT of the orders, one UPDATE of the cancelled ones, one book delta per touched level. Returns the outcomes
   * of the run (empty: the first command is not of that kind); null when the ledger refused one of them (a hold
   * that does not fit): the books are read again and the caller applies the commands one at a time.
   */
  /** restAll, or null when the ledger refused a hold of the run (nothing written; the state may hold the run: `dirty`). */
  private async restAllOrNull(manager: EntityManager, state: MarketShardState, commands: EngineCommand[], overlapped: boolean): Promise<RestRun | null> {
    // No savepoint: the run writes nothing before the ledger accepted every posting of it (postAllOrNothing), and
    // nothing after that refuses; any other error fails the batch (the engine reloads the state).
    try {
      return await this.restAll(manager, state, commands, overlapped);
    } catch (error) {
      if (!(error instanceof TradeRunRefused)) throw error;
      return null;
    }
  }

  /**
   * A run of resting orders and cancels from the head of `commands`, applied to the books, its holds and releases
   * posted, its answers built from memory; its rows (orders, the books' sequences) and events are `write`'s, one
   * statement, which the caller runs at once or, overlapped, once the previous batch committed.
   */
  private async restAll(manager: EntityManager, state: MarketShardState, commands: EngineCommand[], overlapped: boolean): Promise<RestRun> {
    const { market } = state;
    const outcomeCount = market.outstandingShares.length;
    // Overlapped, a sell ends the run (positions may have been written by the previous batch, uncommitted).
    const sellers = overlapped ? [] : [
      ...new Set(commands.filter((command) => command.type === MarketCommandType.PlaceOrder && (command.payload as PlaceOrderPayload).side === 'sell').map((command) => command.userId ?? '')),
    ];
    const held = new Map<string, MarketPosition>();
    if (sellers.length > 0) {
      const rows = (await manager.query(`SELECT user_id, shares, cost_basis, paid, received FROM market_positions WHERE market_id = $1 AND user_id = ANY($2::uuid[])`, [
        market.id,
        sellers,
      ])) as (PositionRow & { user_id: string })[];
      for (const row of rows) held.set(row.user_id, positionOfRow(row, outcomeCount));
    }
    const outcomes: CommandOutcome[] = [];
    const postings: Posting[] = [];
    const placed: RestPlaced[] = [];
    const placedIds = new Set<string>();
    const cancelled: RestCancelled[] = [];
    const levels: BookLevelRef[] = [];
    const now = Date.now();
    for (const [index, command] of commands.entries()) {
      const userId = command.userId ?? '';
      if (command.type === MarketCommandType.CancelOrder) {
        const resting = state.orders.get((command.payload as CancelOrderPayload).orderId);
        // (An order placed in this run: its row is not written yet, so it is cancelled on its own.)
        if (!resting || resting.userId !== userId || placedIds.has(resting.id)) break;
        const result = state.books[resting.outcome].cancel(resting.id);
        state.dirty = true;
        const effects = orderCommandEffects({
          fills: [],
          removed: [result.order!],
          orders: new Map([[resting.id, resting]]),
          creatorId: null,
          creatorShareBps: 0,
          ticksPerUnit: market.ticksPerUnit,
        });
        if (effects.movements.length > 0) {
          postings.push({
            kind: 'market.order.cancel',
            reference: `market:${market.id}`,
            movements: ledgerMovements(effects, poolOf(market.id), SystemAccount.fees),
            requestId: requestIdOf(command),
          });
        }
        state.orders.delete(resting.id);
        cancelled.push({ index, command, resting });
        levels.push({ outcome: resting.outcome, side: resting.side, tick: resting.priceTick });
        outcomes.push({ ok: true, result: undefined });
        continue;
      }
      if (command.type !== MarketCommandType.PlaceOrder) break;
      const payload = command.payload as PlaceOrderPayload;
      if (payload.timeInForce !== 'GTC' && payload.timeInForce !== 'GTD') break;
      let outcome: number;
      let priceTick: number;
      const shares = BigInt(payload.shares);
      try {
        assertTradable(market, new Date(now));
        outcome = resolveOutcome(state.labels, payload.outcome);
        priceTick = parsePriceTick(payload.price, market.ticksPerUnit);
        assertWholeLots(shares, market.ticksPerUnit);
      } catch {
        // Refused: on its own, below.
        break;
      }
      if (this.wouldTake(state, outcome, payload.side, priceTick)) break;
      if (payload.side === 'sell') {
        if (overlapped) break;
        const offered = this.offered(state, userId, outcome);
        if (shares > (held.get(userId)?.shares[outcome] ?? 0n) - offered) break;
      }
      const id = randomUUID();
      // Not crossing: the book only rests it (or refuses it having changed nothing: then this command goes alone).
      let result;
      try {
        result = state.books[outcome].place({
          id,
          owner: userId,
          side: payload.side,
          price: priceTick,
          shares,
          timeInForce: payload.timeInForce,
          expiresAt: payload.expiresAt ?? undefined,
          postOnly: payload.postOnly,
          stp: payload.stp ?? undefined,
          now,
        });
      } catch (error) {
        if (error instanceof DomainError) break;
        throw error;
      }
      state.dirty = true;
      if (result.fills.length > 0 || result.removed.length > 0 || result.order?.status !== 'open') throw new Error(`restAll: order ${id} traded although it did not cross`);
      const hold = payload.side === 'buy' ? buyHold(shares, priceTick, market.ticksPerUnit, Math.max(market.feeBps, this.config.makerFeeBps)) : 0n;
      if (hold > 0n) postings.push(Postings.hold({ userId }, hold, { kind: 'market.order.hold', reference: `market-order:${id}`, requestId: requestIdOf(command) }));
      const resting: RestingOrder = {
        id,
        userId,
        outcome,
        side: payload.side,
        priceTick,
        shares,
        filledShares: 0n,
        lockedAmount: hold,
        expiresAt: payload.expiresAt,
        timeInForce: payload.timeInForce,
        postOnly: payload.postOnly,
        // Set below to the batch transaction's now(), the row's created_at.
        createdAt: new Date(0),
      };
      state.orders.set(id, resting);
      placed.push({ index, command, id, outcome, priceTick, payload, shares, hold, resting });
      placedIds.add(id);
      levels.push({ outcome, side: payload.side, tick: priceTick });
      outcomes.push({ ok: true, result: undefined });
    }
    if (outcomes.length === 0) return { outcomes, write: async () => undefined };

    if (postings.length > 0) await this.postRun(manager, postings);

    // The answers from memory; the rows' created_at is the same instant.
    const createdAt = new Date(now);
    for (const { index, command, resting } of cancelled) {
      outcomes[index] = { ok: true, result: { fingerprint: (command.payload as Fingerprint).fingerprint, value: restingDto(market.id, market.ticksPerUnit, resting, 'cancelled') } };
    }
    for (const { index, command, resting } of placed) {
      resting.createdAt = createdAt;
      const dto = restingDto(market.id, market.ticksPerUnit, resting, 'open');
      outcomes[index] = { ok: true, result: { fingerprint: (command.payload as Fingerprint).fingerprint, value: { order: dto, fills: [] } satisfies PlacedOrderDto } };
    }
    // Now: later commands of the batch move the books on before an overlapped run is written.
    const changes = this.levelChanges(levels, state.books);
    return { outcomes, write: () => this.writeRestRun(manager, market, createdAt, placed, cancelled, changes, outcomes) };
  }

  /** restAll's rows in one statement (the new orders, the cancelled ones and the books' sequences), then its events. */
  private async writeRestRun(
    manager: EntityManager,
    market: MarketEntity,
    createdAt: Date,
    placed: readonly RestPlaced[],
    cancelled: readonly RestCancelled[],
    changes: LevelChanges,
    outcomes: readonly CommandOutcome[],
  ): Promise<void> {
    const values: unknown[] = [market.id];
    const param = (value: unknown) => `$${values.push(value)}`;
    const writes: string[] = [];
    if (placed.length > 0) {
      writes.push(`placed AS (
         INSERT INTO market_orders (id, market_id, user_id, outcome, side, price_tick, ticks_per_unit, shares, filled_shares, status, cancel_reason,
                time_in_force, post_only, stp, expires_at, locked_amount, created_at)
         SELECT id, $1, u, o, sd, pt, ${param(market.ticksPerUnit)}, sh, 0, 'open', NULL, tif, po, stp, ea, la, ${param(createdAt.toISOString())}::timestamptz
           FROM unnest(${param(pgArray(placed.map((one) => one.id)))}::uuid[], ${param(pgArray(placed.map((one) => one.command.userId ?? null)))}::uuid[],
                ${param(pgArray(placed.map((one) => one.outcome)))}::int[], ${param(pgArray(placed.map((one) => one.payload.side)))}::text[],
                ${param(pgArray(placed.map((one) => one.priceTick)))}::int[], ${param(pgArray(placed.map((one) => one.shares)))}::numeric[],
                ${param(pgArray(placed.map((one) => one.payload.timeInForce)))}::text[], ${param(pgArray(placed.map((one) => String(one.payload.postOnly))))}::boolean[],
                ${param(pgArray(placed.map((one) => one.payload.stp ?? 'cancel_resting')))}::text[],
                ${param(pgArray(placed.map((one) => (one.payload.expiresAt === null ? null : new Date(one.payload.expiresAt).toISOString()))))}::timestamptz[],
                ${param(pgArray(placed.map((one) => one.hold)))}::numeric[])
                WITH ORDINALITY AS x(id, u, o, sd, pt, sh, tif, po, stp, ea, la, n)
          ORDER BY n
       )`);
    }
    if (cancelled.length > 0) {
      writes.push(`cancelled AS (
         UPDATE market_orders o SET status = 'cancelled', cancel_reason = 'user', locked_amount = 0, updated_at = now()
           FROM unnest(${param(pgArray(cancelled.map(({ resting }) => resting.id)))}::uuid[]) AS x(id)
          WHERE o.id = x.id
       )`);
    }
    writes.push(`sequences AS (${this.sequenceUpsert(param, changes.counts)})`);
    const rows = (await manager.query(`WITH ${writes.join(', ')} SELECT outcome, sequence FROM sequences`, values)) as { outcome: number; sequence: string }[];

    // Events in the order they had when each write was its own statement: cancelled orders, book deltas, placed orders.
    for (const { index, resting } of cancelled) {
      const dto = (outcomes[index] as { ok: true; result: Fingerprinted<MarketOrderDto> }).result.value;
      this.events.afterCommit(manager, { name: 'order.updated', payload: { userId: resting.userId, order: { kind: 'market-order', ...dto } } });
    }
    this.emitDeltas(manager, market.id, market.ticksPerUnit, changes, rows);
    for (const { index, command } of placed) {
      const dto = (outcomes[index] as { ok: true; result: Fingerprinted<PlacedOrderDto> }).result.value.order;
      const requestId = requestIdOf(command);
      RequestContext.run(requestId ? { requestId } : {}, () =>
        this.events.afterCommit(manager, { name: 'order.updated', payload: { userId: command.userId ?? '', order: { kind: 'market-order', ...dto } } }),
      );
    }
  }

  /**
   * The ledger postings of a run (tradeAll, restAll), all or nothing: TradeRunRefused when any would be refused
   * (InsufficientFunds, or a domain error such as PostingTooLarge), having written nothing, so the caller needs no
   * savepoint and the run is applied again one command at a time, each refusal its own.
   */
  private async postRun(manager: EntityManager, postings: Posting[]): Promise<PostingOutcome[]> {
    let posted: PostingOutcome[] | null;
    try {
      posted = await this.ledger.postAllOrNothing(manager, postings);
    } catch (error) {
      if (error instanceof DomainError) throw new TradeRunRefused();
      throw error;
    }
    if (!posted) throw new TradeRunRefused();
    return posted;
  }

  /**
   * Whether a buy or sell priced on `working` (the pool as the trades before it in a run leave it) would meet a
   * resting order, as routeOrTrade decides it then. Answered from the pool's own quote when that is conclusive
   * with a margin (a buy whose whole amount, fee not taken, leaves the price below the best ask; a sell whose
   * shares all go to the pool leaving it above the best bid), else by planning it on the book against `working`.
   */
  private reachesBook(state: MarketShardState, working: LmsrState, command: EngineCommand): boolean {
    const payload = command.payload as BuyPayload & SellPayload;
    let outcome: number;
    try {
      outcome = resolveOutcome(state.labels, payload.outcome);
    } catch {
      return false;
    }
    const book = state.books[outcome];
    const isBuy = command.type === MarketCommandType.Buy;
    const edge = isBuy ? book.bestAsk() : book.bestBid();
    if (edge === undefined) return false;
    const edgePrice = edge / state.market.ticksPerUnit;
    try {
      if (isBuy) {
        const after = Number(quoteBuy(working, outcome, BigInt(payload.amount), { fees: NO_FEES }).fill.prices[outcome]);
        if (after + PRICE_MARGIN < edgePrice) return false;
      } else {
        const after = Number(quoteSell(working, outcome, BigInt(payload.shares), { fees: NO_FEES }).fill.prices[outcome]);
        if (after - PRICE_MARGIN > edgePrice) return false;
      }
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
    }
    const committed = state.pool.state;
    state.pool.state = working;
    try {
      const plan = planOrNull(book, {
        id: 'plan',
        owner: command.userId ?? '',
        side: isBuy ? 'buy' : 'sell',
        amount: isBuy ? BigInt(payload.amount) : undefined,
        shares: isBuy ? undefined : BigInt(payload.shares),
        now: Date.now(),
      });
      return plan?.metBook ?? false;
    } finally {
      state.pool.state = committed;
    }
  }

  /** Whether a GTC order at `priceTick` would take from the book or a lot from the pool right now. */
  private wouldTake(state: MarketShardState, outcome: number, side: 'buy' | 'sell', priceTick: number): boolean {
    const book = state.books[outcome];
    const lot = lotUnitsOf(state.market.ticksPerUnit);
    if (side === 'buy') {
      const ask = book.bestAsk();
      if (ask !== undefined && ask <= priceTick) return true;
      return state.pool.outcome(outcome).sharesToBuyUntil(priceTick, 0n) >= lot;
    }
    const bid = book.bestBid();
    if (bid !== undefined && bid >= priceTick) return true;
    return state.pool.outcome(outcome).sharesToSellUntil(priceTick, 0n) >= lot;
  }

  /** Shares a user offers in open sell orders are theirs but not theirs to sell to the pool (applyFill checked the holding itself). */
  private assertNotOffered(state: MarketShardState, userId: string, outcome: number, before: MarketPosition, fill: AmmQuote['fill']): void {
    const offered = this.offered(state, userId, outcome);
    const held = before.shares[outcome];
    if (offered > 0n && fill.shares > held - offered) {
      throw new InsufficientShares(
        `Cannot sell ${formatUnits(fill.shares)} shares of outcome ${outcome}: the position holds ${formatUnits(held)}, ${formatUnits(offered)} of them in open sell orders`,
        { outcome, shares: formatUnits(fill.shares), held: formatUnits(held), inOpenOrders: formatUnits(offered) },
      );
    }
  }

  /** One command without the engine, in the caller's transaction: the market locked, its state loaded, the command applied (a refusal throws). */
  async applyDirect(manager: EntityManager, marketId: string, command: EngineCommand): Promise<unknown> {
    const market = await MarketRepository.lockForUpdate(manager, marketId);
    const state = await this.loadWith(manager, market);
    if (command.type !== MarketCommandType.Expire) await this.expireDue(manager, state, Date.now());
    return this.apply(manager, state, command);
  }

  /**
   * The batch's lock on the market row. A lifecycle step or anything else that changed the row since (status, pool,
   * trade count) makes the state be read again: its orders may have been cancelled in PostgreSQL.
   */
  private async fence(manager: EntityManager, state: MarketShardState, locked?: Record<string, unknown> | null): Promise<void> {
    // Locked by the engine's head statement when it has the row; else (not taken there, or no row: NotFound) here.
    const fresh = locked ? MarketRepository.ofRow(locked) : await MarketRepository.lockForUpdate(manager, state.marketId);
    if (sameMarketRow(fresh, state.market)) state.market = fresh;
    else Object.assign(state, await this.loadWith(manager, fresh));
  }

  /**
   * An overlapped batch's lock on the market row, taken once the previous batch committed. The batch's commands were
   * applied on the state without it: if a lifecycle step changed the row meanwhile, the batch rolls back (the engine
   * reads the state again, and the commands are answered as not applied).
   */
  private async fenceUnchanged(manager: EntityManager, state: MarketShardState, asCommitted: MarketEntity): Promise<void> {
    // Bounded: a lifecycle step holding the row may itself wait for an account the next batch, applied beside this
    // one, locked while it waits for this commit (a wait PostgreSQL cannot see). Past it the batch, and the next,
    // roll back (503, retried) and the step goes on. Set for the rest of the transaction: nothing after waits long.
    const [row] = (await manager.query(
      `WITH wait AS (SELECT set_config('lock_timeout', $2, true)) SELECT ${MARKET_COLUMNS} FROM markets, wait WHERE id = $1 FOR UPDATE OF markets`,
      [state.marketId, `${OVERLAPPED_LOCK_WAIT_MS}ms`],
    )) as Record<string, unknown>[];
    if (!row) throw new NotFound(`Market ${state.marketId} not found`);
    const fresh = MarketRepository.ofRow(row);
    if (!sameMarketRow(fresh, asCommitted)) throw new Error(`market ${state.marketId} changed while a batch was applied beside the previous one's commit`);
    // The same object, which the next batch may be applying on right now (this runs in beforeCommit): the row's
    // other columns refreshed, the ones this venue moves (a later batch may have moved them already) kept.
    const { outstandingShares, volume, platformFees, creatorFees, tradeCount } = state.market;
    Object.assign(state.market, fresh, { outstandingShares, volume, platformFees, creatorFees, tradeCount });
  }

  private async loadWith(manager: EntityManager, market: MarketEntity): Promise<MarketShardState> {
    const labels = await MarketRepository.labels(manager, market.id);
    const rows = (await manager.query(`SELECT ${ORDER_COLUMNS} FROM market_orders WHERE market_id = $1 AND status = 'open' ORDER BY seq`, [market.id])) as OrderRow[];
    const pool = new LmsrMarketPool(lmsrStateOf(market), market.ticksPerUnit);
    const gates = labels.map((_, index) => new GatedPool(pool.outcome(index)));
    const books = gates.map((gate) => new OrderBook({ ticksPerUnit: market.ticksPerUnit, takerFeeBps: market.feeBps, makerFeeBps: this.config.makerFeeBps }, gate));
    const orders = new Map<string, RestingOrder>();
    // The open orders placed again in time priority with the pool held back (resting orders never trade with the
    // pool by themselves, even if another outcome's trade moved its price past them), then the pool let in.
    for (const row of rows) {
      books[row.outcome].place(restingCommandOf(row));
      orders.set(row.id, restingOf(row));
    }
    for (const gate of gates) gate.open = true;
    return { marketId: market.id, market, labels, pool, books, orders, dirty: false };
  }

  private apply(manager: EntityManager, state: MarketShardState, command: EngineCommand): Promise<unknown> {
    const userId = command.userId ?? '';
    switch (command.type) {
      case MarketCommandType.PlaceOrder:
        return this.fingerprinted(command, this.place(manager, state, userId, command.payload as PlaceOrderPayload));
      case MarketCommandType.CancelOrder:
        return this.fingerprinted(command, this.cancel(manager, state, userId, (command.payload as CancelOrderPayload).orderId));
      case MarketCommandType.CancelAll:
        return this.fingerprinted(command, this.cancelAll(manager, state, userId));
      case MarketCommandType.Buy:
        return this.fingerprinted(command, this.buy(manager, state, userId, command.payload as BuyPayload));
      case MarketCommandType.Sell:
        return this.fingerprinted(command, this.sell(manager, state, userId, command.payload as SellPayload));
      case MarketCommandType.Expire:
        return this.expireDue(manager, state, (command.payload as ExpirePayload).now);
      default:
        throw new Error(`markets: unknown command type ${command.type}`);
    }
  }

  private async fingerprinted<Value>(command: EngineCommand, work: Promise<Value>): Promise<Fingerprinted<Value>> {
    return { fingerprint: (command.payload as Fingerprint).fingerprint, value: await work };
  }

  // ---- orders -----------------------------------------------------------------------------------

  private async place(manager: EntityManager, state: MarketShardState, userId: string, payload: PlaceOrderPayload): Promise<PlacedOrderDto> {
    const { market } = state;
    assertTradable(market);
    // Prices and sizes are checked against this market's tick (fixed at creation).
    const priceTick = parsePriceTick(payload.price, market.ticksPerUnit);
    const shares = BigInt(payload.shares);
    assertWholeLots(shares, market.ticksPerUnit);
    const outcome = resolveOutcome(state.labels, payload.outcome);
    const now = Date.now();
    if (payload.side === 'sell') {
      const held = (await this.positionOf(manager, state, userId)).shares[outcome];
      const offered = this.offered(state, userId, outcome);
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
    const hold = payload.side === 'buy' ? buyHold(shares, priceTick, market.ticksPerUnit, Math.max(market.feeBps, this.config.makerFeeBps)) : 0n;
    const book = state.books[outcome];
    // The book either refuses having changed nothing (post-only, FOK) or changes itself and the pool.
    const result = book.place({
      id,
      owner: userId,
      side: payload.side,
      price: priceTick,
      shares,
      timeInForce: payload.timeInForce,
      expiresAt: payload.expiresAt ?? undefined,
      postOnly: payload.postOnly,
      stp: payload.stp ?? undefined,
      now,
    });
    state.dirty = true;
    const order = result.order!;
    const rests = order.status === 'open';
    const effects = orderCommandEffects({
      fills: result.fills,
      removed: result.removed,
      taker: { orderId: id, userId, hold, rests },
      orders: state.orders,
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
        market.id,
        userId,
        outcome,
        payload.side,
        priceTick,
        market.ticksPerUnit,
        shares.toString(),
        order.filledShares.toString(),
        order.status,
        order.reason ?? null,
        payload.timeInForce,
        payload.postOnly,
        payload.stp ?? 'cancel_resting',
        payload.expiresAt === null ? null : new Date(payload.expiresAt),
        (rests ? effects.takerLocked : 0n).toString(),
      ],
    )) as OrderRow[];
    const tradeIds = await this.writeEffects(manager, state, outcome, effects, {
      holdOf: hold > 0n ? { userId, amount: hold, reference: `market-order:${id}` } : undefined,
    });
    if (rests) state.orders.set(id, restingOf(row));
    const levels: BookLevelRef[] = [
      ...result.fills.filter((fill) => fill.liquidity === 'maker').map((fill) => ({ outcome, side: fill.side, tick: fill.price })),
      ...result.removed.map((removed) => ({ outcome, side: removed.side, tick: removed.price })),
      ...(rests ? [{ outcome, side: payload.side, tick: priceTick }] : []),
    ];
    await this.publishLevels(manager, market.id, market.ticksPerUnit, levels, state.books);
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
  }

  /** One of the caller's orders off the book; one no longer open (or someone else's: 404) read from its row. */
  private async cancel(manager: EntityManager, state: MarketShardState, userId: string, orderId: string): Promise<MarketOrderDto> {
    const resting = state.orders.get(orderId);
    if (!resting || resting.userId !== userId) {
      const [row] = isUuid(orderId)
        ? ((await manager.query(`SELECT ${ORDER_COLUMNS} FROM market_orders WHERE id = $1 AND market_id = $2 AND user_id = $3`, [orderId, state.marketId, userId])) as OrderRow[])
        : [];
      if (!row) throw new NotFound(`Order ${orderId} not found on market ${state.marketId}`);
      return orderDto(row);
    }
    const result = state.books[resting.outcome].cancel(orderId);
    state.dirty = true;
    const [cancelled] = await this.remove(manager, state, result.order ? [result.order] : [], 'cancelled');
    return cancelled;
  }

  private async cancelAll(manager: EntityManager, state: MarketShardState, userId: string): Promise<CancelledOrdersDto> {
    const removed: OrderSnapshot[] = [];
    for (const book of state.books) {
      const result = book.cancelAll(userId);
      if (result.removed.length > 0) state.dirty = true;
      removed.push(...result.removed);
    }
    // In placement order, as the rows were cancelled before (ORDER BY seq).
    const order = [...state.orders.keys()];
    removed.sort((a, b) => order.indexOf(String(a.id)) - order.indexOf(String(b.id)));
    return { cancelled: await this.remove(manager, state, removed, 'cancelled') };
  }

  private hasDue(state: MarketShardState, now: number): boolean {
    for (const order of state.orders.values()) if (order.expiresAt !== null && order.expiresAt <= now) return true;
    return false;
  }

  /** Expires the due GTD orders of every outcome and releases their holds; returns how many. */
  private async expireDue(manager: EntityManager, state: MarketShardState, now: number): Promise<number> {
    if (!this.hasDue(state, now)) return 0;
    const removed: OrderSnapshot[] = [];
    for (const book of state.books) removed.push(...book.expire(now).removed);
    state.dirty = true;
    await this.remove(manager, state, removed, 'expired');
    return removed.length;
  }

  /** Orders the book removed without filling them: rows updated, buy holds released, owners told, the state's orders forgotten. */
  private async remove(manager: EntityManager, state: MarketShardState, snapshots: readonly OrderSnapshot[], status: 'cancelled' | 'expired'): Promise<MarketOrderDto[]> {
    const removed: RemovedOrder[] = snapshots.map((snapshot) => {
      const resting = state.orders.get(String(snapshot.id))!;
      return { snapshot, outcome: resting.outcome, resting };
    });
    const updated = await this.writeRemoved(manager, state.marketId, state.market.ticksPerUnit, removed, status, state.books);
    for (const { snapshot } of removed) state.orders.delete(String(snapshot.id));
    return updated;
  }

  /**
   * Cancels every open order of a market that closes, resolves or is cancelled, releasing their holds, in the
   * lifecycle step's own transaction (the caller holds the market row's lock; the shard's next batch sees the change).
   */
  async cancelAllOfMarketLocked(manager: EntityManager, marketId: string): Promise<number> {
    const rows = (await manager.query(`SELECT ${ORDER_COLUMNS} FROM market_orders WHERE market_id = $1 AND status = 'open' ORDER BY seq`, [marketId])) as OrderRow[];
    if (rows.length === 0) return 0;
    await this.writeRemoved(
      manager,
      marketId,
      rows[0].ticks_per_unit,
      rows.map((row) => ({ snapshot: { ...snapshotOf(row), status: 'cancelled', reason: 'closed' }, outcome: row.outcome, resting: restingOf(row) })),
      'cancelled',
    );
    return rows.length;
  }

  /** Takes resting orders off the book without filling them: rows updated, buy holds released, owners told (`books`: see publishLevels). */
  private async writeRemoved(
    manager: EntityManager,
    marketId: string,
    ticksPerUnit: number,
    removed: RemovedOrder[],
    status: 'cancelled' | 'expired',
    books?: readonly OrderBook[],
  ): Promise<MarketOrderDto[]> {
    if (removed.length === 0) return [];
    const effects = orderCommandEffects({
      fills: [],
      removed: removed.map(({ snapshot }) => snapshot),
      orders: new Map(removed.map(({ snapshot, resting }) => [String(snapshot.id), resting])),
      creatorId: null,
      creatorShareBps: 0,
      ticksPerUnit,
    });
    if (effects.movements.length > 0) {
      await this.ledger.post(manager, {
        kind: status === 'expired' ? 'market.order.expire' : 'market.order.cancel',
        reference: `market:${marketId}`,
        movements: ledgerMovements(effects, poolOf(marketId), SystemAccount.fees),
      });
    }
    const updated = await this.writeOrderUpdates(manager, effects);
    await this.publishLevels(
      manager,
      marketId,
      ticksPerUnit,
      removed.map(({ snapshot, outcome }) => ({ outcome, side: snapshot.side, tick: snapshot.price })),
      books,
    );
    return updated;
  }

  // ---- AMM trades -------------------------------------------------------------------------------

  private buy(manager: EntityManager, state: MarketShardState, userId: string, payload: BuyPayload): Promise<MarketFillDto> {
    const amount = BigInt(payload.amount);
    const minShares = payload.minShares === null ? undefined : BigInt(payload.minShares);
    return this.routeOrTrade(manager, state, userId, payload, { side: 'buy', amount, minShares }, (market, outcome) =>
      quoteBuy(lmsrStateOf(market), outcome, amount, { fees: feeScheduleOf(market, userId), minShares }),
    );
  }

  private sell(manager: EntityManager, state: MarketShardState, userId: string, payload: SellPayload): Promise<MarketFillDto> {
    const shares = BigInt(payload.shares);
    const minProceeds = payload.minProceeds === null ? undefined : BigInt(payload.minProceeds);
    return this.routeOrTrade(manager, state, userId, payload, { side: 'sell', shares, minProceeds }, (market, outcome) =>
      quoteSell(lmsrStateOf(market), outcome, shares, { fees: feeScheduleOf(market, userId), minProceeds }),
    );
  }

  /**
   * A buy or sell takes the best of the book and the pool (issue 14): planned on the outcome's book first when the
   * opposite side has resting orders; if the plan meets none (or there are none) it is the pool's own trade,
   * exactly as before (`trade`), else it goes through the book like a crossing order (`tradeThroughBook`).
   */
  private async routeOrTrade(
    manager: EntityManager,
    state: MarketShardState,
    userId: string,
    payload: { outcome: BuyPayload['outcome'] },
    order: MarketTrade,
    price: (market: MarketEntity, outcome: number) => AmmQuote,
  ): Promise<MarketFillDto> {
    assertTradable(state.market);
    const outcome = resolveOutcome(state.labels, payload.outcome);
    const book = state.books[outcome];
    if ((order.side === 'buy' ? book.bestAsk() : book.bestBid()) !== undefined) {
      const command: MarketOrder = { id: randomUUID(), owner: userId, side: order.side, amount: order.amount, shares: order.shares, now: Date.now() };
      const plan = planOrNull(book, command);
      if (plan?.metBook) return this.tradeThroughBook(manager, state, userId, outcome, command, order, plan);
    }
    return this.trade(manager, state, userId, payload, price);
  }

  /**
   * A market order that meets resting orders: the book fills them and the pool in one command, and its effects are
   * written as a crossing order's are (writeEffects: ledger, positions, maker rows and order:update, fills, pool
   * state, price point, market:trade per pool step), plus book:update deltas. The taker has no order row.
   */
  private async tradeThroughBook(
    manager: EntityManager,
    state: MarketShardState,
    userId: string,
    outcome: number,
    command: MarketOrder,
    order: MarketTrade,
    plan: MarketOrderResult,
  ): Promise<MarketFillDto> {
    const { market } = state;
    assertMinimum(order, plan);
    if (order.side === 'sell') {
      const before = await this.positionOf(manager, state, userId);
      // Throws InsufficientShares as the pool's sell does: more than held, or than held outside open sell orders.
      applyFill(before, { side: 'sell', outcome, shares: order.shares!, amount: 0n });
      this.assertNotOffered(state, userId, outcome, before, { shares: order.shares! } as AmmQuote['fill']);
    }
    const poolBefore = state.pool.state;
    const result = state.books[outcome].marketOrder(command);
    state.dirty = true;
    const takerId = String(command.id);
    const paid = order.side === 'buy' ? result.cash : 0n;
    const effects = orderCommandEffects({
      fills: result.fills,
      removed: result.removed,
      taker: { orderId: takerId, userId, hold: paid, rests: false },
      orders: state.orders,
      creatorId: market.creatorId,
      creatorShareBps: market.creatorFeeShareBps,
      ticksPerUnit: market.ticksPerUnit,
    });
    // A buy's cash is held first and paid from the hold by its fills (as an order's is); the hold is all of it.
    const tradeIds = await this.writeEffects(manager, state, outcome, effects, {
      holdOf: paid > 0n ? { userId, amount: paid, reference: `market:${market.id}` } : undefined,
      orderless: takerId,
    });
    await this.publishLevels(manager, market.id, market.ticksPerUnit, [
      ...result.fills.filter((fill) => fill.liquidity === 'maker').map((fill) => ({ outcome, side: fill.side, tick: fill.price })),
      ...result.removed.map((removed) => ({ outcome, side: removed.side, tick: removed.price })),
    ], state.books);
    const fills = effects.fillRecords.filter((fill) => fill.orderId === takerId);
    // Book and pool steps alike are listed by GET …/trades under these ids.
    const first = fills.find((fill) => fill.counterparty === 'book') ?? fills[0];
    return {
      tradeId: tradeIds.get(first.tradeNumber)!,
      ...routedQuoteDto(poolBefore, outcome, order.side, result),
      fills: fills.map((fill) => ({
        tradeId: tradeIds.get(fill.tradeNumber)!,
        price: fill.price,
        shares: formatUnits(fill.shares),
        amount: formatUnits(fill.amount),
        fee: formatUnits(fill.fee),
        liquidity: fill.liquidity,
        counterparty: fill.counterparty,
      })),
    };
  }

  /**
   * What a buy or sell would fill through the book right now, from the committed rows (any instance, engine or
   * not): the opposite side of the outcome's book read from `market_orders`, matched against the pool as
   * `tradeThroughBook` would. Null when it would meet no resting order: the pool's own quote is then the trade.
   */
  async quoteThroughBook(
    manager: EntityManager,
    market: MarketEntity,
    outcome: number,
    order: MarketTrade,
    userId: string | undefined,
  ): Promise<QuoteDto | null> {
    const side = order.side === 'buy' ? 'sell' : 'buy';
    const rows = (await manager.query(`SELECT ${ORDER_COLUMNS} FROM market_orders WHERE market_id = $1 AND outcome = $2 AND side = $3 AND status = 'open' ORDER BY seq`, [
      market.id,
      outcome,
      side,
    ])) as OrderRow[];
    if (rows.length === 0) return null;
    const state = lmsrStateOf(market);
    const gate = new GatedPool(new LmsrMarketPool(state, market.ticksPerUnit).outcome(outcome));
    const book = new OrderBook({ ticksPerUnit: market.ticksPerUnit, takerFeeBps: market.feeBps, makerFeeBps: this.config.makerFeeBps }, gate);
    for (const row of rows) book.place(restingCommandOf(row));
    gate.open = true;
    // Nobody's id for a signed-out caller: no resting order is theirs.
    const plan = planOrNull(book, { id: 'quote', owner: userId ?? '', side: order.side, amount: order.amount, shares: order.shares, now: Date.now() });
    if (!plan?.metBook) return null;
    assertMinimum(order, plan);
    return routedQuoteDto(state, outcome, order.side, plan);
  }

  /**
   * A buy or sell against the pool: priced on the state in memory, the fill booked through the ledger (trader,
   * pool, fees, creator), the new state, position, fill and price point written; the state changes only after
   * every check and write passed.
   */
  private async trade(
    manager: EntityManager,
    state: MarketShardState,
    userId: string,
    payload: { outcome: BuyPayload['outcome'] },
    price: (market: MarketEntity, outcome: number) => AmmQuote,
  ): Promise<MarketFillDto> {
    const { market } = state;
    assertTradable(market);
    const outcome = resolveOutcome(state.labels, payload.outcome);
    const quote = price(market, outcome);
    const before = await this.positionOf(manager, state, userId);
    const position = applyFill(before, quote.fill);
    const { fill } = quote;
    if (fill.side === 'sell') this.assertNotOffered(state, userId, outcome, before, fill);
    const posted = await this.ledger.post(manager, {
      kind: `market.${fill.side}`,
      reference: `market:${market.id}`,
      movements: await this.tradeMovements(manager, market, userId, quote.fill),
    });
    const next = {
      outstandingShares: [...quote.state.outstandingShares],
      volume: market.volume + (fill.side === 'buy' ? fill.amount : -fill.poolDelta),
      platformFees: market.platformFees + fill.fee - fill.creatorFee,
      creatorFees: market.creatorFees + fill.creatorFee,
    };
    const tradeId = await this.writeTrade(manager, market, next, userId, position, fill);
    const pool = poolOf(market.id);
    const poolBalance = posted.systemBalances.find((balance) => balance.system === pool.system)?.available ?? (await this.ledger.systemBalance(manager, pool));
    // A bug guard, not a client error: the pool must always be able to pay the worst outcome (rolls back).
    assertPoolInvariant(quote.state, poolBalance);
    // Every check and write passed: the state moves.
    state.dirty = true;
    Object.assign(market, next);
    market.tradeCount += 1;
    state.pool.state = lmsrStateOf(market);
    const dto: MarketFillDto = { tradeId, ...fillDto(fill) };
    this.events.afterCommit(manager, { name: MarketEvent.Traded, payload: tradedEvent(market, userId, dto, fill) });
    return dto;
  }

  /**
   * Buy: trader pays amount; pool gets amount - fee. Sell: pool pays gross; trader gets gross - fee. Fee to fees and
   * the creator's share (part of it to their dividend pool, see CreatorEarnings).
   */
  private async tradeMovements(
    manager: EntityManager,
    market: MarketEntity,
    userId: string,
    fill: AmmQuote['fill'],
    run?: { periods: Map<string, Date | undefined>; now: Date },
  ): Promise<Movement[]> {
    const trader = fill.side === 'buy' ? -fill.amount : fill.amount;
    const movements: Movement[] = [
      { account: { userId }, bucket: 'available', amount: trader },
      { account: poolOf(market.id), bucket: 'available', amount: fill.poolDelta },
      { account: SystemAccount.fees, bucket: 'available', amount: fill.fee - fill.creatorFee },
    ];
    if (fill.creatorFee > 0n) {
      // creatorFee is non-zero only on markets with a creator (admin markets have a 0 bps creator share).
      movements.push(
        ...(run
          ? await this.creatorEarnings.feeShareMovementsOnce(manager, market.creatorId!, fill.creatorFee, run.periods, run.now)
          : await this.creatorEarnings.feeShareMovements(manager, market.creatorId!, fill.creatorFee)),
      );
    }
    return movements.filter((movement) => movement.amount !== 0n);
  }

  /** The market's new state, the position, the fill and a price point in one round trip; returns the trade id. */
  private async writeTrade(
    manager: EntityManager,
    market: MarketEntity,
    next: { outstandingShares: bigint[]; volume: bigint; platformFees: bigint; creatorFees: bigint },
    userId: string,
    position: MarketPosition,
    fill: AmmQuote['fill'],
  ): Promise<string> {
    const rows = (await manager.query(
      `WITH m AS (
         UPDATE markets SET outstanding_shares = $2::numeric[], volume = $3, platform_fees = $4, creator_fees = $5,
                trade_count = trade_count + 1, updated_at = now()
          WHERE id = $1 RETURNING id
       ), p AS (
         INSERT INTO market_positions (market_id, user_id, shares, cost_basis, paid, received)
         VALUES ($1, $6, $7::numeric[], $8::numeric[], $9, $10)
         ON CONFLICT (market_id, user_id) DO UPDATE SET shares = EXCLUDED.shares, cost_basis = EXCLUDED.cost_basis,
                paid = EXCLUDED.paid, received = EXCLUDED.received, updated_at = now()
         RETURNING id
       ), pp AS (
         INSERT INTO market_price_points (market_id, prices) VALUES ($1, $17::numeric[]) RETURNING id
       )
       INSERT INTO market_trades (market_id, user_id, side, outcome, shares, amount, fee, creator_fee, average_price, prices)
       SELECT $1, $6, $11, $12, $13, $14, $15, $16, $18, $17::numeric[] FROM m, p, pp
       RETURNING id`,
      [
        market.id,
        next.outstandingShares.map(String),
        next.volume.toString(),
        next.platformFees.toString(),
        next.creatorFees.toString(),
        userId,
        position.shares.map(String),
        position.costBasis.map(String),
        position.paid.toString(),
        position.received.toString(),
        fill.side,
        fill.outcome,
        fill.shares.toString(),
        fill.amount.toString(),
        fill.fee.toString(),
        fill.creatorFee.toString(),
        fill.prices,
        fill.averagePrice,
      ],
    )) as { id: string }[];
    return rows[0].id;
  }

  // ---- shared writes ----------------------------------------------------------------------------

  /** The user's position (every writer of a market's positions is its shard or holds the market row's lock). */
  private async positionOf(manager: EntityManager, state: MarketShardState, userId: string): Promise<MarketPosition> {
    const [row] = (await manager.query(`SELECT shares, cost_basis, paid, received FROM market_positions WHERE market_id = $1 AND user_id = $2`, [
      state.marketId,
      userId,
    ])) as PositionRow[];
    return positionOfRow(row, state.market.outstandingShares.length);
  }

  /** Share units of one outcome the user offers in open sell orders (held by those orders). */
  private offered(state: MarketShardState, userId: string, outcome: number): bigint {
    let offered = 0n;
    for (const order of state.orders.values()) {
      if (order.userId === userId && order.outcome === outcome && order.side === 'sell') offered += order.shares - order.filledShares;
    }
    return offered;
  }

  /**
   * Writes one book command's effects: the ledger (the taker's hold, then every fill's cash in one posting),
   * positions, maker order rows, fills, the pool's state and price point, a `market_trades` row per pool fill;
   * returns the trade id of each book trade number. The state's makers follow their rows.
   */
  private async writeEffects(
    manager: EntityManager,
    state: MarketShardState,
    outcome: number,
    effects: OrderCommandEffects,
    { holdOf, orderless }: { holdOf?: { userId: string; amount: bigint; reference: string }; orderless?: string },
  ): Promise<Map<number, string>> {
    const { market, pool } = state;
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
    for (const [id, update] of effects.orderUpdates) {
      const resting = state.orders.get(id);
      if (!resting) continue;
      if (update.status === 'open') {
        resting.filledShares = update.filledShares;
        resting.lockedAmount = update.lockedAmount;
      } else state.orders.delete(id);
    }

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
          // A market order's own fills name no order (it has no row).
          fills.map((fill) => (fill.orderId === orderless ? null : fill.orderId)),
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
        // Under the fill's trade id, so the fill a response names is the row GET …/trades lists.
        `INSERT INTO market_trades (id, market_id, user_id, side, outcome, shares, amount, fee, creator_fee, average_price, prices)
         SELECT t, $1, u, s, $2, sh, a, f, cf, ap, $3::numeric[]
           FROM unnest($11::uuid[], $4::uuid[], $5::text[], $6::numeric[], $7::numeric[], $8::numeric[], $9::numeric[], $10::numeric[]) AS x(t, u, s, sh, a, f, cf, ap)
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
          poolFills.map((fill) => tradeIds.get(fill.tradeNumber)),
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

  /** Each trader's position after their legs of this command. */
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
  private async writeOrderUpdates(manager: EntityManager, effects: OrderCommandEffects): Promise<MarketOrderDto[]> {
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

  /**
   * The new totals of the price levels a command changed, each with the next sequence of its outcome's book,
   * broadcast after commit as `book:update` (the sequence row is updated in the shard's batch, or under the market's
   * lock, so deltas of one book are numbered in commit order). The totals come from `books` when the caller has the
   * market's books in memory (the shard, whose books are what its batch has written so far), else from the rows.
   */
  private async publishLevels(manager: EntityManager, marketId: string, ticksPerUnit: number, touched: BookLevelRef[], books?: readonly OrderBook[]): Promise<void> {
    const changes = books ? this.levelChanges(touched, books) : await this.levelChangesFromRows(manager, marketId, touched);
    if (changes.totals.length === 0) return;
    const values: unknown[] = [marketId];
    const sql = this.sequenceUpsert((value) => `$${values.push(value)}`, changes.counts);
    this.emitDeltas(manager, marketId, ticksPerUnit, changes, (await manager.query(sql, values)) as { outcome: number; sequence: string }[]);
  }

  /** The touched levels, each once, in delta order (outcome, side, tick), with their totals in `books`. */
  private levelChanges(touched: BookLevelRef[], books: readonly OrderBook[]): LevelChanges {
    return changesOf(distinctLevels(touched), (ref) => books[ref.outcome].levelTotals(ref.side, ref.tick));
  }

  private async levelChangesFromRows(manager: EntityManager, marketId: string, touched: BookLevelRef[]): Promise<LevelChanges> {
    const levels = distinctLevels(touched);
    if (levels.length === 0) return { totals: [], counts: new Map() };
    const rows = (await manager.query(
      `SELECT coalesce(sum(o.shares - o.filled_shares), 0)::text AS shares, count(o.id)::int AS orders
         FROM unnest($2::int[], $3::text[], $4::int[]) WITH ORDINALITY AS l(outcome, side, tick, n)
         LEFT JOIN market_orders o ON o.market_id = $1 AND o.status = 'open' AND o.outcome = l.outcome AND o.side = l.side AND o.price_tick = l.tick
        GROUP BY l.outcome, l.side, l.tick, l.n ORDER BY l.n`,
      [marketId, levels.map((ref) => ref.outcome), levels.map((ref) => ref.side), levels.map((ref) => ref.tick)],
    )) as { shares: string; orders: number }[];
    return changesOf(levels, (_, index) => ({ shares: BigInt(rows[index].shares), orders: rows[index].orders }));
  }

  /** The statement moving each touched book's sequence on by its number of deltas (`$1` is the market), returning outcome and sequence. */
  private sequenceUpsert(param: (value: unknown) => string, counts: ReadonlyMap<number, number>): string {
    return `INSERT INTO market_order_books (market_id, outcome, sequence)
       SELECT $1, o, n FROM unnest(${param(pgArray([...counts.keys()]))}::int[], ${param(pgArray([...counts.values()]))}::bigint[]) AS x(o, n)
       ON CONFLICT (market_id, outcome) DO UPDATE SET sequence = market_order_books.sequence + EXCLUDED.sequence
       RETURNING outcome, sequence::text AS sequence`;
  }

  /** One `book:update` per touched book after commit, its deltas numbered up to the book's new sequence. */
  private emitDeltas(manager: EntityManager, marketId: string, ticksPerUnit: number, changes: LevelChanges, sequences: { outcome: number; sequence: string }[]): void {
    const next = new Map(sequences.map((row) => [row.outcome, Number(row.sequence) - changes.counts.get(row.outcome)! + 1]));
    const deltas = new Map<number, BookDeltaDto[]>();
    for (const total of changes.totals) {
      const sequence = next.get(total.outcome)!;
      next.set(total.outcome, sequence + 1);
      const delta: BookDeltaDto = {
        marketId,
        outcome: total.outcome,
        sequence,
        side: total.side,
        price: tickPrice(total.tick, ticksPerUnit),
        shares: formatUnits(total.shares),
        orders: total.orders,
      };
      const list = deltas.get(total.outcome);
      if (list) list.push(delta);
      else deltas.set(total.outcome, [delta]);
    }
    for (const [outcome, list] of deltas) this.events.afterCommit(manager, { name: MarketEvent.BookChanged, payload: { marketId, outcome, deltas: list } });
  }
}

/** The levels a command touched, with their totals after it, and how many of them each outcome's book has. */
interface LevelChanges {
  totals: (BookLevelRef & { shares: bigint; orders: number })[];
  counts: Map<number, number>;
}

function distinctLevels(touched: BookLevelRef[]): BookLevelRef[] {
  const byKey = new Map<string, BookLevelRef>();
  for (const ref of touched) byKey.set(`${ref.outcome}/${ref.side}/${ref.tick}`, ref);
  return [...byKey.values()].sort((a, b) => a.outcome - b.outcome || a.side.localeCompare(b.side) || a.tick - b.tick);
}

function changesOf(levels: BookLevelRef[], totalOf: (ref: BookLevelRef, index: number) => { shares: bigint; orders: number }): LevelChanges {
  const counts = new Map<number, number>();
  for (const ref of levels) counts.set(ref.outcome, (counts.get(ref.outcome) ?? 0) + 1);
  return { totals: levels.map((ref, index) => ({ ...ref, ...totalOf(ref, index) })), counts };
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

  sharesForCost(cash: bigint, delta: bigint): bigint {
    return this.open ? this.pool.sharesForCost(cash, delta) : 0n;
  }

  proceedsOfSale(shares: bigint, delta: bigint): bigint {
    return this.pool.proceedsOfSale(shares, delta);
  }

  commit(shares: bigint, cash: bigint): void {
    this.pool.commit(shares, cash);
  }
}

const NO_FEES = { feeBps: 0, creatorShareBps: 0 };
/** Prices in responses have 6 decimals: a pool price this far from a resting order's is surely on its side. */
const PRICE_MARGIN = 2e-6;

/** The ledger refused a trade of a run: the run is applied again one command at a time. */
class TradeRunRefused extends Error {}

function isOrderCommand(command: EngineCommand): boolean {
  return command.type === MarketCommandType.PlaceOrder || command.type === MarketCommandType.CancelOrder;
}

function isTrade(command: EngineCommand): boolean {
  return command.type === MarketCommandType.Buy || command.type === MarketCommandType.Sell;
}

function optionalUnits(value: string | null): bigint | undefined {
  return value === null ? undefined : BigInt(value);
}

/** A /buy (a cash budget, fee included) or /sell (shares) as the book's market order takes it, with its slippage bounds. */
interface MarketTrade {
  side: 'buy' | 'sell';
  amount?: bigint;
  shares?: bigint;
  minShares?: bigint;
  minProceeds?: bigint;
}

/** An open order's row placed again on a book being rebuilt (the pool gated: it only rests). */
function restingCommandOf(row: OrderRow): Parameters<OrderBook['place']>[0] {
  return {
    id: row.id,
    owner: row.user_id,
    side: row.side,
    price: row.price_tick,
    shares: remainingOf(row),
    timeInForce: row.expires_at ? 'GTD' : 'GTC',
    expiresAt: row.expires_at?.getTime(),
    stp: row.stp,
  };
}

/**
 * The market order planned (nothing changes), or null when the plan is refused (nothing would fill, the pool's own
 * limits): the pool's own trade or quote then answers, with its own refusal if it has one.
 */
function planOrNull(book: OrderBook, command: MarketOrder): MarketOrderResult | null {
  try {
    return book.marketOrder({ ...command, execute: false });
  } catch (error) {
    if (error instanceof DomainError) return null;
    throw error;
  }
}

/** minShares and minProceeds, refused as the pool's trade refuses them (checked on the plan, before anything moves). */
function assertMinimum(order: MarketTrade, plan: MarketOrderResult): void {
  if (order.side === 'buy' && order.minShares !== undefined && plan.shares < order.minShares) {
    throw new PriceMovedBeyondSlippage(
      `${formatUnits(order.amount!)} USDC would buy ${formatUnits(plan.shares)} shares, fewer than minShares ${formatUnits(order.minShares)}`,
      { minShares: formatUnits(order.minShares), shares: formatUnits(plan.shares) },
    );
  }
  if (order.side === 'sell' && order.minProceeds !== undefined && plan.cash < order.minProceeds) {
    throw new PriceMovedBeyondSlippage(
      `selling ${formatUnits(order.shares!)} shares would pay ${formatUnits(plan.cash)} USDC, less than minProceeds ${formatUnits(order.minProceeds)} USDC`,
      { minProceeds: formatUnits(order.minProceeds), proceeds: formatUnits(plan.cash) },
    );
  }
}

/**
 * The QuoteDto of a market order through the book, the same for its quote and its trade: totals over its fills,
 * and the pool's prices after its pool steps (applied to `poolBefore`, the pool's state before the order).
 */
function routedQuoteDto(poolBefore: LmsrState, outcome: number, side: 'buy' | 'sell', result: MarketOrderResult): QuoteDto {
  let poolShares = 0n;
  for (const fill of result.fills) {
    if (fill.liquidity === 'taker' && fill.counterparty === 'pool') poolShares += side === 'buy' ? fill.shares : -fill.shares;
  }
  const after: LmsrState = { ...poolBefore, outstandingShares: poolBefore.outstandingShares.map((shares, index) => (index === outcome ? shares + poolShares : shares)) };
  const amount = formatUnits(result.cash);
  return {
    outcome,
    side,
    shares: formatUnits(result.shares),
    amount,
    ...(side === 'sell' ? { proceeds: amount } : {}),
    fee: formatUnits(result.fee),
    averagePrice: formatRatio(result.cash, result.shares),
    prices: priceStrings(after),
  };
}

function restingOf(row: OrderRow): RestingOrder {
  return {
    id: row.id,
    userId: row.user_id,
    outcome: row.outcome,
    side: row.side,
    priceTick: row.price_tick,
    shares: BigInt(row.shares),
    filledShares: BigInt(row.filled_shares),
    lockedAmount: BigInt(row.locked_amount),
    expiresAt: row.expires_at?.getTime() ?? null,
    timeInForce: row.time_in_force,
    postOnly: row.post_only,
    createdAt: row.created_at,
  };
}

/** An order's answer from the shard's memory: what `orderDto` makes of its row (the row holds nothing else). */
/** Whether the market row still says what the shard's state was built on (status, pool, trade count). */
function sameMarketRow(fresh: MarketEntity, held: MarketEntity): boolean {
  return (
    fresh.status === held.status &&
    fresh.tradeCount === held.tradeCount &&
    fresh.outstandingShares.length === held.outstandingShares.length &&
    fresh.outstandingShares.every((shares, index) => shares === held.outstandingShares[index])
  );
}

function restingDto(marketId: string, ticksPerUnit: number, order: RestingOrder, status: MarketOrderDto['status']): MarketOrderDto {
  return {
    id: order.id,
    marketId,
    outcome: order.outcome,
    side: order.side,
    price: tickPrice(order.priceTick, ticksPerUnit),
    shares: formatUnits(order.shares),
    filledShares: formatUnits(order.filledShares),
    remainingShares: formatUnits(status === 'open' ? order.shares - order.filledShares : 0n),
    status,
    timeInForce: order.timeInForce,
    postOnly: order.postOnly,
    expiresAt: order.expiresAt === null ? null : new Date(order.expiresAt).toISOString(),
    createdAt: order.createdAt.toISOString(),
  };
}

function cashOf(fill: { side: 'buy' | 'sell'; amount: bigint; fee: bigint }): bigint {
  return fill.side === 'buy' ? fill.amount + fill.fee : fill.amount - fill.fee;
}

export function fillDto(fill: AmmQuote['fill']): QuoteDto {
  const amount = formatUnits(fill.amount);
  return {
    outcome: fill.outcome,
    side: fill.side,
    shares: formatUnits(fill.shares),
    amount,
    ...(fill.side === 'sell' ? { proceeds: amount } : {}),
    fee: formatUnits(fill.fee),
    averagePrice: fill.averagePrice,
    prices: fill.prices,
  };
}

/** The market.traded payload; `volume` the market's after this trade (in a run, not the run's last), `at` when it was built. */
function tradedEvent(market: MarketEntity, userId: string, dto: MarketFillDto, fill: AmmQuote['fill'], volume = market.volume, at = new Date().toISOString()): MarketTradedEvent {
  return {
    marketId: market.id,
    status: market.status,
    prices: fill.prices,
    volume: formatUnits(volume),
    resolvedOutcome: market.resolvedOutcome,
    tradeId: dto.tradeId,
    userId,
    side: fill.side,
    outcome: fill.outcome,
    shares: dto.shares,
    amount: dto.amount,
    fee: dto.fee,
    averagePrice: fill.averagePrice,
    at,
  };
}

/** The request a command came from (when this instance's HTTP layer sent it): its events and broadcasts name it. */
function requestIdOf(command: EngineCommand): string | undefined {
  return (command.payload as { requestId?: string }).requestId;
}
