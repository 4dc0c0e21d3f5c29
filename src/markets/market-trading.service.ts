import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { InvalidField } from '../common/errors/domain-error';
import { whenCommitted } from '../common/transactions/command-transaction';
import { AmmQuote, applyFill, InsufficientShares, LmsrState, MarketPosition, quoteBuy, quoteSell, FeeSchedule } from './amm';
import { BuyDto, MarketFillDto, QuoteDto, QuoteQueryDto, SellDto } from './market.dto';
import { MarketListCache } from './market-list.cache';
import { assertTradable, feeScheduleOf, formatUnits, lmsrStateOf, parseUnits, resolveOutcome } from './market-rules';
import { MarketRepository, PositionRow } from './market.repository';
import { positionOfRow } from './market-positions';
import { type BuyPayload, MarketCommandType, type SellPayload } from './venue/market-commands';
import { MarketCommands } from './venue/market-commands.service';
import { fillDto, MarketVenue } from './venue/market-venue';

type Pricer = (state: LmsrState, outcome: number, fees: FeeSchedule) => AmmQuote;

/** Markets whose outcome labels are kept in memory (oldest dropped first). */
const LABEL_CACHE_SIZE = 10_000;

/**
 * Buys, sells and quotes against a market's LMSR pool and its order books (the best of both at each step). A trade
 * runs on the market's shard of the venue engine (MarketVenue: priced on the pool and books in memory, booked
 * through the ledger, written in the shard's batch and answered after its commit). A quote runs the same pricing
 * on the committed state without writing: the pool's row and, when the book's other side has open orders, those
 * rows (so any instance answers it, leader or not, engine or not).
 */
@Injectable()
export class MarketTradingService {
  private readonly labelsByMarket = new Map<string, string[]>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly listCache: MarketListCache,
    private readonly commands: MarketCommands,
    private readonly venue: MarketVenue,
  ) {}

  /** A buy against the pool, on the market's shard of the venue engine (see MarketVenue). */
  async buy(userId: string, marketId: string, body: BuyDto, idempotencyKey?: string): Promise<MarketFillDto> {
    const amount = parseUnits(body.amount, 'amount');
    const minShares = body.minShares === undefined ? undefined : parseUnits(body.minShares, 'minShares', 'nonNegative');
    const request: Omit<BuyPayload, 'fingerprint'> = { outcome: body.outcome, amount: amount.toString(), minShares: minShares?.toString() ?? null };
    const filled = await this.commands.run<MarketFillDto>(marketId, userId, idempotencyKey, MarketCommandType.Buy, request);
    await whenCommitted(() => this.listCache.invalidate());
    return filled;
  }

  async sell(userId: string, marketId: string, body: SellDto, idempotencyKey?: string): Promise<MarketFillDto> {
    const shares = parseUnits(body.shares, 'shares');
    const minProceeds = body.minProceeds === undefined ? undefined : parseUnits(body.minProceeds, 'minProceeds', 'nonNegative');
    const request: Omit<SellPayload, 'fingerprint'> = { outcome: body.outcome, shares: shares.toString(), minProceeds: minProceeds?.toString() ?? null };
    const filled = await this.commands.run<MarketFillDto>(marketId, userId, idempotencyKey, MarketCommandType.Sell, request);
    await whenCommitted(() => this.listCache.invalidate());
    return filled;
  }

  /**
   * Exactly what buy/sell would fill right now, without trading. For a signed-in caller it also checks their
   * holdings as the sell would: selling more than held is the same 422 InsufficientShares.
   */
  async quote(marketId: string, query: QuoteQueryDto, userId?: string): Promise<QuoteDto> {
    const pricer = this.pricerFor(query);
    const manager = this.dataSource.manager;
    const market = await MarketRepository.find(manager, marketId);
    assertTradable(market);
    const outcome = resolveOutcome(await this.labelsOf(manager, marketId), query.outcome);
    // The trade takes the best of the book and the pool: so does its quote (from the committed resting orders).
    const order = query.side === 'buy' ? { side: 'buy' as const, amount: parseUnits(query.amount!, 'amount') } : { side: 'sell' as const, shares: parseUnits(query.shares!, 'shares') };
    const routed = await this.venue.quoteThroughBook(manager, market, outcome, order, userId);
    if (routed) {
      if (userId !== undefined && routed.side === 'sell') {
        const position = await this.positionOf(manager, marketId, userId, market.outstandingShares.length);
        const fill = { side: 'sell' as const, outcome, shares: order.shares!, amount: 0n };
        applyFill(position, fill);
        await assertNotOffered(manager, marketId, userId, position, fill);
      }
      return routed;
    }
    const { fill } = pricer(lmsrStateOf(market), outcome, feeScheduleOf(market, userId));
    if (userId !== undefined && fill.side === 'sell') {
      const position = await this.positionOf(manager, marketId, userId, market.outstandingShares.length);
      applyFill(position, fill);
      await assertNotOffered(manager, marketId, userId, position, fill);
    }
    return fillDto(fill);
  }

  private pricerFor(query: QuoteQueryDto): Pricer {
    if (query.side === 'buy') {
      if (query.amount === undefined || query.shares !== undefined) throw new InvalidField('amount', 'is required for a buy quote (and shares is not allowed)');
      const amount = parseUnits(query.amount, 'amount');
      return (state, outcome, fees) => quoteBuy(state, outcome, amount, { fees });
    }
    if (query.shares === undefined || query.amount !== undefined) throw new InvalidField('shares', 'is required for a sell quote (and amount is not allowed)');
    const shares = parseUnits(query.shares, 'shares');
    return (state, outcome, fees) => quoteSell(state, outcome, shares, { fees });
  }

  /** Outcome labels never change after creation, so they are read once per market and process. */
  private async labelsOf(manager: EntityManager, marketId: string): Promise<string[]> {
    let labels = this.labelsByMarket.get(marketId);
    if (!labels) {
      labels = await MarketRepository.labels(manager, marketId);
      if (this.labelsByMarket.size >= LABEL_CACHE_SIZE) this.labelsByMarket.delete(this.labelsByMarket.keys().next().value!);
      this.labelsByMarket.set(marketId, labels);
    }
    return labels;
  }

  private async positionOf(manager: EntityManager, marketId: string, userId: string, outcomeCount: number): Promise<MarketPosition> {
    // No row lock needed: every writer of a market's positions holds the market row's lock.
    const [row] = (await manager.query(`SELECT shares, cost_basis, paid, received FROM market_positions WHERE market_id = $1 AND user_id = $2`, [
      marketId,
      userId,
    ])) as PositionRow[];
    return positionOfRow(row, outcomeCount);
  }
}

/** Shares a user offers in open sell orders are theirs but not theirs to sell to the pool (applyFill checked the holding itself). */
async function assertNotOffered(manager: EntityManager, marketId: string, userId: string, position: MarketPosition, fill: Pick<AmmQuote['fill'], 'outcome' | 'shares'>): Promise<void> {
  const offered = await MarketRepository.sharesInOpenSells(manager, marketId, userId, fill.outcome);
  if (offered === 0n) return;
  const held = position.shares[fill.outcome];
  if (fill.shares > held - offered) {
    throw new InsufficientShares(
      `Cannot sell ${formatUnits(fill.shares)} shares of outcome ${fill.outcome}: the position holds ${formatUnits(held)}, ${formatUnits(offered)} of them in open sell orders`,
      { outcome: fill.outcome, shares: formatUnits(fill.shares), held: formatUnits(held), inOpenOrders: formatUnits(offered) },
    );
  }
}
