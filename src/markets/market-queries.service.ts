import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { LedgerService } from '../accounts/ledger.service';
import { offsetOf, Page, PageQueryDto, toPage } from '../common/http/pagination';
import { cancellationRefund, checkPoolInvariant, markToMarket, resolutionPayout } from './amm';
import { MarketEntity } from './market.entity';
import {
  HistoryInterval,
  ListMarketsQueryDto,
  MarketDto,
  MarketPoolReportDto,
  MarketPositionDto,
  MarketTradeDto,
  PriceHistoryDto,
} from './market.dto';
import { MARKET_FILLS_SQL, makerOrderSql, marketFillsSql } from './market-fills.sql';
import { MarketListCache } from './market-list.cache';
import { formatUnits, lmsrStateOf } from './market-rules';
import { MarketRepository, poolOf } from './market.repository';
import { toMarketDto } from './market.mapper';

const SORT_COLUMNS = { volume: 'volume', closesAt: 'closesAt', createdAt: 'createdAt' } as const;
const TRUNC_UNITS: Record<HistoryInterval, string> = { '1m': 'minute', '1h': 'hour', '1d': 'day' };
/** The history endpoint answers at most this many intervals (the latest ones). */
const HISTORY_POINTS = 500;

interface PositionRow {
  market_id: string;
  shares: string[];
  cost_basis: string[];
  paid: string;
  received: string;
  settlement_amount: string | null;
}

/** Read side of prediction markets: list (cached in Redis), detail, price history, trades, positions, pool check. */
@Injectable()
export class MarketQueriesService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly listCache: MarketListCache,
    private readonly ledger: LedgerService,
  ) {}

  list(query: ListMarketsQueryDto): Promise<Page<MarketDto>> {
    const key = { status: query.status, category: query.category, q: query.q, sort: query.sort, order: query.order, page: query.page, limit: query.limit };
    return this.listCache.getOrLoad(key, () => this.loadList(query));
  }

  /** Throws NotFound unless the market exists (a `market:<id>` subscription asks this first). */
  async assertExists(marketId: string): Promise<void> {
    await MarketRepository.find(this.dataSource.manager, marketId);
  }

  async detail(marketId: string): Promise<MarketDto> {
    const manager = this.dataSource.manager;
    const market = await MarketRepository.find(manager, marketId);
    return toMarketDto(market, await MarketRepository.labels(manager, marketId));
  }

  /** A creator's markets, newest first (for the creator's page). */
  async byCreator(creatorId: string, limit = 20): Promise<MarketDto[]> {
    const markets = await this.dataSource
      .getRepository(MarketEntity)
      .createQueryBuilder('m')
      .where('m.creator_id = :creatorId', { creatorId })
      .orderBy('m.created_at', 'DESC')
      .addOrderBy('m.id', 'DESC')
      .take(limit)
      .getMany();
    const labels = await MarketRepository.labelsOf(
      this.dataSource.manager,
      markets.map((market) => market.id),
    );
    return markets.map((market) => toMarketDto(market, labels.get(market.id)!));
  }

  async history(marketId: string, interval: HistoryInterval): Promise<PriceHistoryDto> {
    await MarketRepository.find(this.dataSource.manager, marketId);
    // The last point of each interval, newest intervals first, then returned oldest first.
    const rows = (await this.dataSource.query(
      `SELECT bucket, prices FROM (
         SELECT DISTINCT ON (date_trunc($2, at)) date_trunc($2, at) AS bucket, prices
           FROM market_price_points WHERE market_id = $1
          ORDER BY date_trunc($2, at) DESC, at DESC, id DESC
          LIMIT $3
       ) last ORDER BY bucket`,
      [marketId, TRUNC_UNITS[interval], HISTORY_POINTS],
    )) as { bucket: Date; prices: string[] }[];
    return { interval, points: rows.map((row) => ({ at: row.bucket.toISOString(), prices: row.prices })) };
  }

  /** Pool and book trades of the market, newest first; a book trade shows its taker's side, cash and fee. */
  async trades(marketId: string, query: PageQueryDto): Promise<Page<MarketTradeDto>> {
    await MarketRepository.find(this.dataSource.manager, marketId);
    // A book trade leaves the pool where it was: it shows the pool's prices as they stood then.
    const rows = (await this.dataSource.query(
      `WITH page AS (
         SELECT fills.* FROM (${marketFillsSql({ newest: '($2::int + $3::int)' })}) fills
          ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3
       )
       SELECT page.*, coalesce(page.prices, (
                SELECT point.prices FROM market_price_points point
                 WHERE point.market_id = $1 AND point.at <= page.created_at ORDER BY point.at DESC, point.id DESC LIMIT 1
              )) AS prices_then, ${makerOrderSql('page')} AS maker_order_id
         FROM page ORDER BY created_at DESC, id DESC`,
      [marketId, query.limit, offsetOf(query)],
    )) as {
      id: string;
      venue: 'pool' | 'book';
      taker_side: 'buy' | 'sell';
      outcome: number;
      shares: string;
      amount: string;
      fee: string;
      price: string;
      average_price: string;
      prices_then: string[] | null;
      created_at: Date;
      taker_order_id: string | null;
      maker_order_id: string | null;
    }[];
    const total = await this.countTrades(marketId);
    return toPage(
      rows.map((row) => {
        const amount = formatUnits(BigInt(row.amount));
        return {
          id: row.id,
          venue: row.venue,
          side: row.taker_side,
          makerSide: row.taker_side === 'buy' ? 'sell' : 'buy',
          outcome: row.outcome,
          shares: formatUnits(BigInt(row.shares)),
          amount,
          ...(row.taker_side === 'sell' ? { proceeds: amount } : {}),
          fee: formatUnits(BigInt(row.fee)),
          price: row.price,
          averagePrice: row.average_price,
          prices: row.prices_then ?? [],
          takerOrderId: row.taker_order_id,
          makerOrderId: row.maker_order_id,
          createdAt: row.created_at.toISOString(),
        };
      }),
      total,
      query,
    );
  }

  /** The caller's positions, newest activity first, valued at current prices (or at the settlement once decided). */
  async positionsOf(userId: string, query: PageQueryDto): Promise<Page<MarketPositionDto>> {
    const [{ total }] = (await this.dataSource.query(`SELECT count(*)::int AS total FROM market_positions WHERE user_id = $1`, [userId])) as {
      total: number;
    }[];
    const rows = (await this.dataSource.query(
      `SELECT market_id, shares, cost_basis, paid, received, settlement_amount FROM market_positions
        WHERE user_id = $1 ORDER BY updated_at DESC, id DESC LIMIT $2 OFFSET $3`,
      [userId, query.limit, offsetOf(query)],
    )) as PositionRow[];
    const marketIds = rows.map((row) => row.market_id);
    const markets = new Map(
      (marketIds.length > 0 ? await this.dataSource.getRepository(MarketEntity).createQueryBuilder('m').whereInIds(marketIds).getMany() : []).map(
        (market) => [market.id, market],
      ),
    );
    const labels = await MarketRepository.labelsOf(this.dataSource.manager, marketIds);
    return toPage(
      rows.map((row) => this.positionDto(row, markets.get(row.market_id)!, labels.get(row.market_id)!)),
      total,
      query,
    );
  }

  /** Pool invariant of every unsettled market: the pool holds at least max_i q_i (what it owes if i wins). */
  async poolCheck(): Promise<MarketPoolReportDto> {
    return this.dataSource.transaction('REPEATABLE READ', async (manager) => {
      const markets = await manager
        .getRepository(MarketEntity)
        .createQueryBuilder('m')
        .where(`m.settled_at IS NULL`)
        .getMany();
      const balances = await this.ledger.systemBalances(
        manager,
        markets.map((market) => poolOf(market.id)),
      );
      const checks = markets.map((market) => {
        const check = checkPoolInvariant(lmsrStateOf(market), balances.get(poolOf(market.id).system)!);
        return {
          marketId: market.id,
          status: market.status,
          poolBalance: formatUnits(check.poolBalance),
          requiredBalance: formatUnits(check.requiredBalance),
          holds: check.holds,
        };
      });
      // A market part-way through settlement has paid some winners already; its remaining liability is smaller, so only unsettled-and-unpaid markets are judged.
      const violations = checks.filter((check) => !check.holds && (check.status === 'OPEN' || check.status === 'CLOSED'));
      return { ok: violations.length === 0, marketsChecked: checks.length, violations };
    });
  }

  private async loadList(query: ListMarketsQueryDto): Promise<Page<MarketDto>> {
    const builder = this.dataSource.getRepository(MarketEntity).createQueryBuilder('m');
    if (query.status) builder.andWhere('m.status = :status', { status: query.status });
    if (query.category) builder.andWhere('m.category = :category', { category: query.category });
    if (query.q) builder.andWhere(`m.question ILIKE :q ESCAPE '\\'`, { q: `%${query.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%` });
    const direction = query.order === 'asc' ? 'ASC' : 'DESC';
    builder
      .orderBy(`m.${SORT_COLUMNS[query.sort]}`, direction)
      .addOrderBy('m.id', direction)
      .skip(offsetOf(query))
      .take(query.limit);
    const [markets, total] = await builder.getManyAndCount();
    const labels = await MarketRepository.labelsOf(
      this.dataSource.manager,
      markets.map((market) => market.id),
    );
    return toPage(
      markets.map((market) => toMarketDto(market, labels.get(market.id)!)),
      total,
      query,
    );
  }

  private async countTrades(marketId: string): Promise<number> {
    const [{ total }] = (await this.dataSource.query(`SELECT count(*)::int AS total FROM (${MARKET_FILLS_SQL}) fills`, [marketId])) as { total: number }[];
    return total;
  }

  private positionDto(row: PositionRow, market: MarketEntity, labels: string[]): MarketPositionDto {
    const shares = row.shares.map(BigInt);
    const costBasis = row.cost_basis.map(BigInt);
    const totalCost = costBasis.reduce((sum, value) => sum + value, 0n);
    const paid = BigInt(row.paid);
    const received = BigInt(row.received);
    let value: bigint;
    if (row.settlement_amount !== null) value = BigInt(row.settlement_amount);
    else if (market.status === 'RESOLVED') value = resolutionPayout({ shares }, market.resolvedOutcome!);
    else if (market.status === 'CANCELLING' || market.status === 'CANCELLED') value = cancellationRefund({ paid, received });
    else value = markToMarket(lmsrStateOf(market), shares);
    return {
      marketId: market.id,
      question: market.question,
      status: market.status,
      outcomes: labels.map((label, index) => ({ index, label, shares: formatUnits(shares[index]), costBasis: formatUnits(costBasis[index]) })),
      costBasis: formatUnits(totalCost),
      currentValue: formatUnits(value),
      unrealizedPnl: formatUnits(value - totalCost),
      paid: formatUnits(paid),
      received: formatUnits(received),
      settlementAmount: row.settlement_amount === null ? null : formatUnits(BigInt(row.settlement_amount)),
    };
  }
}
