import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { LedgerService, Movement, SystemAccount } from '../accounts/ledger.service';
import { DomainEventBus } from '../common/events/domain-event-bus';
import { InvalidField } from '../common/errors/domain-error';
import { AmmQuote, applyFill, assertPoolInvariant, InsufficientShares, LmsrState, MarketPosition, quoteBuy, quoteSell, FeeSchedule } from './amm';
import { MarketEntity } from './market.entity';
import { BuyDto, FillDto, OutcomeRef, QuoteDto, QuoteQueryDto, SellDto } from './market.dto';
import { MarketListCache } from './market-list.cache';
import { MarketEvent, MarketTradedEvent } from './markets.events';
import { assertTradable, feeScheduleOf, formatUnits, lmsrStateOf, parseUnits, resolveOutcome } from './market-rules';
import { MarketRepository, PositionRow, poolOf } from './market.repository';
import { commandTransaction, whenCommitted } from '../common/transactions/command-transaction';
import { CreatorEarnings } from '../creators/creator-earnings.service';
import { positionOfRow } from './market-positions';

type Pricer = (state: LmsrState, outcome: number, fees: FeeSchedule) => AmmQuote;

/**
 * Buys, sells and quotes against a market's LMSR pool. A trade is one transaction: the market row is locked
 * (SELECT … FOR UPDATE) so trades on one market run one after another against the state they read, the
 * fill is booked through the ledger (trader, pool, fees, creator), and the new state, position, fill and
 * price point are written. A quote runs the same pricing on the same state without writing.
 */
/** Markets whose outcome labels are kept in memory (oldest dropped first). */
const LABEL_CACHE_SIZE = 10_000;

@Injectable()
export class MarketTradingService {
  private readonly labelsByMarket = new Map<string, string[]>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly ledger: LedgerService,
    private readonly events: DomainEventBus,
    private readonly listCache: MarketListCache,
    private readonly creatorEarnings: CreatorEarnings,
  ) {}

  buy(userId: string, marketId: string, body: BuyDto): Promise<FillDto> {
    const amount = parseUnits(body.amount, 'amount');
    const minShares = body.minShares === undefined ? undefined : parseUnits(body.minShares, 'minShares', 'nonNegative');
    return this.trade(userId, marketId, body.outcome, (state, outcome, fees) => quoteBuy(state, outcome, amount, { fees, minShares }));
  }

  sell(userId: string, marketId: string, body: SellDto): Promise<FillDto> {
    const shares = parseUnits(body.shares, 'shares');
    const minProceeds = body.minProceeds === undefined ? undefined : parseUnits(body.minProceeds, 'minProceeds', 'nonNegative');
    return this.trade(userId, marketId, body.outcome, (state, outcome, fees) => quoteSell(state, outcome, shares, { fees, minProceeds }));
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

  private async trade(userId: string, marketId: string, outcomeRef: OutcomeRef, price: Pricer): Promise<FillDto> {
    const filled = await commandTransaction(this.dataSource, async (manager) => {
      // The market's lock and the caller's position in one round trip (fewer waits while the row is locked).
      const { market, position: held } = await MarketRepository.lockWithPosition(manager, marketId, userId);
      assertTradable(market);
      const outcome = resolveOutcome(await this.labelsOf(manager, marketId), outcomeRef);
      const quote = price(lmsrStateOf(market), outcome, feeScheduleOf(market, userId));
      const before = positionOfRow(held, market.outstandingShares.length);
      const position = applyFill(before, quote.fill);
      if (quote.fill.side === 'sell') await assertNotOffered(manager, marketId, userId, before, quote.fill);

      const posted = await this.ledger.post(manager, {
        kind: `market.${quote.fill.side}`,
        reference: `market:${marketId}`,
        movements: await this.movementsOf(manager, market, userId, quote),
      });
      const { fill } = quote;
      market.outstandingShares = [...quote.state.outstandingShares];
      market.volume += fill.side === 'buy' ? fill.amount : -fill.poolDelta;
      market.platformFees += fill.fee - fill.creatorFee;
      market.creatorFees += fill.creatorFee;
      market.tradeCount += 1;
      const tradeId = await this.write(manager, market, userId, position, fill);
      const pool = poolOf(market.id);
      const poolBalance = posted.systemBalances.find((balance) => balance.system === pool.system)?.available ?? (await this.ledger.systemBalance(manager, pool));
      // A bug guard, not a client error: the pool must always be able to pay the worst outcome (rolls back).
      assertPoolInvariant(quote.state, poolBalance);
      const dto: FillDto = { tradeId, ...fillDto(fill) };
      this.events.afterCommit(manager, { name: MarketEvent.Traded, payload: tradedEvent(market, userId, dto, fill) });
      return dto;
    });

    await whenCommitted(() => this.listCache.invalidate());
    return filled;
  }

  /**
   * Buy: trader pays amount; pool gets amount - fee. Sell: pool pays gross; trader gets gross - fee. Fee to fees and
   * the creator's share (part of it to their dividend pool, see CreatorEarnings).
   */
  private async movementsOf(manager: EntityManager, market: MarketEntity, userId: string, { fill }: AmmQuote): Promise<Movement[]> {
    const trader = fill.side === 'buy' ? -fill.amount : fill.amount;
    const movements: Movement[] = [
      { account: { userId }, bucket: 'available', amount: trader },
      { account: poolOf(market.id), bucket: 'available', amount: fill.poolDelta },
      { account: SystemAccount.fees, bucket: 'available', amount: fill.fee - fill.creatorFee },
    ];
    if (fill.creatorFee > 0n) {
      // creatorFee is non-zero only on markets with a creator (admin markets have a 0 bps creator share).
      movements.push(...(await this.creatorEarnings.feeShareMovements(manager, market.creatorId!, fill.creatorFee)));
    }
    return movements.filter((movement) => movement.amount !== 0n);
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

  /** The market's new state, the position, the fill and a price point in one round trip; returns the trade id. */
  private async write(
    manager: EntityManager,
    market: MarketEntity,
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
        market.outstandingShares.map(String),
        market.volume.toString(),
        market.platformFees.toString(),
        market.creatorFees.toString(),
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
}

/** Shares a user offers in open sell orders are theirs but not theirs to sell to the pool (applyFill checked the holding itself). */
async function assertNotOffered(manager: EntityManager, marketId: string, userId: string, position: MarketPosition, fill: AmmQuote['fill']): Promise<void> {
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

function fillDto(fill: AmmQuote['fill']): QuoteDto {
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

function tradedEvent(market: MarketEntity, userId: string, dto: FillDto, fill: AmmQuote['fill']): MarketTradedEvent {
  return {
    marketId: market.id,
    status: market.status,
    prices: fill.prices,
    volume: formatUnits(market.volume),
    resolvedOutcome: market.resolvedOutcome,
    tradeId: dto.tradeId,
    userId,
    side: fill.side,
    outcome: fill.outcome,
    shares: dto.shares,
    amount: dto.amount,
    fee: dto.fee,
    averagePrice: fill.averagePrice,
    at: new Date().toISOString(),
  };
}
