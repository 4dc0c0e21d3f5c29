import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash, randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { DomainError, IdempotencyKeyMismatch, InvalidField } from '../common/errors/domain-error';
import { offsetOf, Page, toPage } from '../common/http/pagination';
import { answerReproducedByRetry } from '../common/transactions/command-transaction';
import { formatUsdc, parseUsdc } from '../common/money/usdc';
import type { CommandOutcome, EngineCommand } from '../engine/venue';
import { pnlAt } from './core/perp-math';
import { formatPrice, midPrice, parsePriceField } from './core/price';
import { PerpFillEntity } from './perp-fill.entity';
import { PerpOrderEntity } from './perp-order.entity';
import { PerpPositionEntity } from './perp-position.entity';
import { toFillDto, toOrderDto, toPositionDto } from './perp.mapper';
import type {
  ExposureDto,
  OpenTradeDto,
  OrderDto,
  OrdersQueryDto,
  PlaceOrderDto,
  PositionDetailDto,
  PositionDto,
  TradesQueryDto,
  UpdateTriggersDto,
} from './trades.dto';
import { UnknownSymbol } from './perp-errors';
import { OrderNotFound, OrderNotOpen, PositionClosed, PositionNotFound, SymbolNotTraded } from './trades.errors';
import { latestTopOfBook } from './venue/fresh-quote';
import { type Fingerprinted, PerpCommandType } from './venue/perp-commands';
import { PERP_ENGINE, type PerpEngine } from './venue/perp-engine';
import { PERP_MARKET_CATALOG, PERP_PRICE_BOARD, type PerpMarketCatalog, type PerpPriceBoard } from './venue/perp-venue-deps';

export const DEFAULT_SLIPPAGE_BPS = 50;

/** JSON with sorted keys: the same request always has the same fingerprint. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonical(item)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * The perps API on every instance: reads straight from PostgreSQL, commands handed to the symbol's shard leader
 * through the venue engine.
 *
 * Idempotency-Key and the engine. The routes keep `@Idempotent()`: the interceptor replays a stored answer and
 * refuses the key with another body (422 IdempotencyKeyMismatch) exactly as elsewhere. The command's own work
 * does not run in the key's transaction (it runs on the leader, in the engine's batch), so the key's answer
 * commits only after the engine answered. To close that gap the engine command id is derived from (user, key):
 * a retry after a timeout, a 503 or a crash between the engine's commit and the key's is the same command, and
 * the engine answers its stored outcome instead of trading twice. The outcome echoes the fingerprint of the
 * request that made it, so a different body replayed through that gap is still 422. Without a key every
 * command gets a fresh id.
 */
@Injectable()
export class TradingService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(PERP_ENGINE) private readonly engine: PerpEngine,
    @Inject(PERP_PRICE_BOARD) private readonly prices: PerpPriceBoard,
    @Inject(PERP_MARKET_CATALOG) private readonly markets: PerpMarketCatalog,
  ) {}

  // ---- commands ---------------------------------------------------------------------------------

  async open(userId: string, body: OpenTradeDto, idempotencyKey?: string): Promise<PositionDto> {
    const symbol = await this.knownSymbol(body.symbol);
    return this.run<PositionDto>(symbol, userId, idempotencyKey, PerpCommandType.Open, {
      side: body.side,
      margin: parseMargin(body.margin).toString(),
      leverage: body.leverage,
      quotedPrice: body.quotedPrice === undefined ? undefined : parsePriceField(body.quotedPrice, 'quotedPrice').toString(),
      slippageBps: body.slippageBps ?? DEFAULT_SLIPPAGE_BPS,
      stopLoss: body.stopLoss === undefined ? undefined : parsePriceField(body.stopLoss, 'stopLoss').toString(),
      takeProfit: body.takeProfit === undefined ? undefined : parsePriceField(body.takeProfit, 'takeProfit').toString(),
    });
  }

  async close(userId: string, positionId: string, idempotencyKey?: string): Promise<PositionDto> {
    const position = await this.ownPosition(positionId, userId);
    // A retry with its key goes to the leader, which replays the stored outcome; there is none to ask on a symbol whose shard is gone.
    if (position.status !== 'open' && (idempotencyKey === undefined || !this.hasShard(position.symbol))) throw new PositionClosed(positionId);
    this.assertShard(position.symbol);
    return this.run<PositionDto>(position.symbol, userId, idempotencyKey, PerpCommandType.Close, { positionId });
  }

  async updateTriggers(userId: string, positionId: string, body: UpdateTriggersDto): Promise<PositionDto> {
    const position = await this.ownPosition(positionId, userId);
    if (position.status !== 'open') throw new PositionClosed(positionId);
    this.assertShard(position.symbol);
    const price = (value: string | null | undefined, field: string) => (value === undefined ? undefined : value === null ? null : parsePriceField(value, field).toString());
    return this.run<PositionDto>(position.symbol, userId, undefined, PerpCommandType.UpdateTriggers, {
      positionId,
      stopLoss: price(body.stopLoss, 'stopLoss'),
      takeProfit: price(body.takeProfit, 'takeProfit'),
    });
  }

  async placeOrder(userId: string, body: PlaceOrderDto, idempotencyKey?: string): Promise<OrderDto> {
    const symbol = await this.knownSymbol(body.symbol);
    return this.run<OrderDto>(symbol, userId, idempotencyKey, PerpCommandType.PlaceOrder, {
      side: body.side,
      type: body.type,
      price: parsePriceField(body.price, 'price').toString(),
      margin: parseMargin(body.margin).toString(),
      leverage: body.leverage,
      stopLoss: body.stopLoss === undefined ? undefined : parsePriceField(body.stopLoss, 'stopLoss').toString(),
      takeProfit: body.takeProfit === undefined ? undefined : parsePriceField(body.takeProfit, 'takeProfit').toString(),
      expiresAt: body.expiresAt === undefined ? undefined : Date.parse(body.expiresAt),
    });
  }

  async cancelOrder(userId: string, orderId: string, idempotencyKey?: string): Promise<OrderDto> {
    const order = await this.dataSource.manager.findOne(PerpOrderEntity, { where: { id: orderId, userId } });
    if (!order) throw new OrderNotFound(orderId);
    if (order.status !== 'open' && (idempotencyKey === undefined || !this.hasShard(order.symbol))) throw new OrderNotOpen(orderId, order.status);
    this.assertShard(order.symbol);
    return this.run<OrderDto>(order.symbol, userId, idempotencyKey, PerpCommandType.CancelOrder, { orderId });
  }

  // ---- reads ------------------------------------------------------------------------------------

  async positions(userId: string, query: TradesQueryDto): Promise<Page<PositionDto>> {
    const [rows, total] = await this.dataSource.manager.findAndCount(PerpPositionEntity, {
      where: { userId, ...(query.status ? { status: query.status } : {}), ...(query.symbol ? { symbol: query.symbol } : {}) },
      order: { openedAt: 'DESC', id: 'DESC' },
      skip: offsetOf(query),
      take: query.limit,
    });
    return toPage(
      rows.map((row) => this.marked(row)),
      total,
      query,
    );
  }

  async position(userId: string, positionId: string): Promise<PositionDetailDto> {
    const position = await this.ownPosition(positionId, userId);
    const fills = await this.dataSource.manager.find(PerpFillEntity, { where: { positionId }, order: { createdAt: 'ASC', id: 'ASC' } });
    return { ...this.marked(position), fills: fills.map(toFillDto) };
  }

  async orders(userId: string, query: OrdersQueryDto): Promise<Page<OrderDto>> {
    const [rows, total] = await this.dataSource.manager.findAndCount(PerpOrderEntity, {
      where: { userId, ...(query.status ? { status: query.status } : {}) },
      order: { createdAt: 'DESC', id: 'DESC' },
      skip: offsetOf(query),
      take: query.limit,
    });
    return toPage(rows.map(toOrderDto), total, query);
  }

  /** Per symbol: open interest each side, and what the house would gain if every open position were settled at the mark (the mid) now. */
  async exposure(): Promise<ExposureDto> {
    const rows = (await this.dataSource.manager
      .createQueryBuilder(PerpPositionEntity, 'position')
      .select('position.symbol', 'symbol')
      .addSelect('position.side', 'side')
      .addSelect('count(*)::int', 'positions')
      .addSelect('sum(position.notional)::text', 'notional')
      .where(`position.status = 'open'`)
      .groupBy('position.symbol')
      .addGroupBy('position.side')
      .getRawMany()) as { symbol: string; side: 'long' | 'short'; positions: number; notional: string }[];
    const open = await this.dataSource.manager.find(PerpPositionEntity, { where: { status: 'open' }, select: { id: true, symbol: true, side: true, notional: true, entryPrice: true } });
    const symbols = [...new Set([...this.markets.symbols(), ...rows.map((row) => row.symbol)])].sort();
    return {
      at: new Date().toISOString(),
      symbols: symbols.map((symbol) => {
        const long = rows.find((row) => row.symbol === symbol && row.side === 'long');
        const short = rows.find((row) => row.symbol === symbol && row.side === 'short');
        const quote = latestTopOfBook(this.prices, symbol);
        const mark = quote ? midPrice(quote.bid, quote.ask) : null;
        let house: bigint | null = null;
        if (mark !== null) {
          house = 0n;
          for (const position of open.filter((row) => row.symbol === symbol)) house -= pnlAt(position.side, position.notional, position.entryPrice, mark);
        }
        return {
          symbol,
          openInterestLong: formatUsdc(BigInt(long?.notional ?? '0')),
          openInterestShort: formatUsdc(BigInt(short?.notional ?? '0')),
          openPositions: (long?.positions ?? 0) + (short?.positions ?? 0),
          markPrice: mark === null ? null : formatPrice(mark),
          houseNetExposure: house === null ? null : formatUsdc(house),
        };
      }),
    };
  }

  // ---- internals --------------------------------------------------------------------------------

  /** Only PERP_SYMBOLS open new positions and orders: anything else is refused here, before it could wait for a leader. */
  private async knownSymbol(symbol: string): Promise<string> {
    if (!(await this.markets.rules(symbol))) throw new UnknownSymbol(symbol);
    return symbol;
  }

  /** Whether a leader runs (or will) for `symbol`: PERP_SYMBOLS, or a symbol winding down. */
  private hasShard(symbol: string): boolean {
    return this.markets.symbols().includes(symbol);
  }

  /** A command for a symbol with no shard would wait for a leader that never comes, then answer 503: refused at once instead. */
  private assertShard(symbol: string): void {
    if (!this.hasShard(symbol)) throw new SymbolNotTraded(symbol);
  }

  private async ownPosition(positionId: string, userId: string): Promise<PerpPositionEntity> {
    const position = await this.dataSource.manager.findOne(PerpPositionEntity, { where: { id: positionId, userId } });
    if (!position) throw new PositionNotFound(positionId);
    return position;
  }

  private marked(position: PerpPositionEntity): PositionDto {
    return toPositionDto(position, position.status === 'open' ? latestTopOfBook(this.prices, position.symbol) : null);
  }

  /** Hands one command to the symbol's leader and turns its outcome into the answer or the domain error it was refused with. */
  private async run<Result>(symbol: string, userId: string, idempotencyKey: string | undefined, type: string, request: object): Promise<Result> {
    const fingerprint = sha256(`${type}\n${symbol}\n${canonical(request)}`);
    const command: EngineCommand = { id: commandIdOf(userId, idempotencyKey), type, userId, payload: { ...request, fingerprint } };
    const outcome = (await this.engine.submit(symbol, command)) as CommandOutcome<Fingerprinted<Result>>;
    // Committed (or refused with a 4xx) and stored under the command id: a retry with the key gets it again.
    if (outcome.ok || outcome.refusal.status < 500) answerReproducedByRetry();
    if (!outcome.ok) {
      const { status, error, message, details } = outcome.refusal;
      throw new DomainError(status, error, message, details);
    }
    if (outcome.result.fingerprint !== fingerprint) throw new IdempotencyKeyMismatch();
    return outcome.result.value;
  }
}

/** The engine command id of a user's request: stable per (user, Idempotency-Key), else fresh. */
export function commandIdOf(userId: string, idempotencyKey: string | undefined): string {
  if (idempotencyKey === undefined) return randomUUID();
  const hex = sha256(`perps\n${userId}\n${idempotencyKey}`);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** Margins above this are refused with a 400 before they reach the engine: margin × leverage must fit the numeric(78,0) notional column. */
const MAX_MARGIN_UNITS = 10n ** 60n;

function parseMargin(value: string): bigint {
  const margin = parseUsdc(value, 'margin');
  if (margin > MAX_MARGIN_UNITS) throw new InvalidField('margin', 'is larger than any balance can be');
  return margin;
}
