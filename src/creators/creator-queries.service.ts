import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { LedgerService } from '../accounts/ledger.service';
import { UsersService } from '../auth/users.service';
import { offsetOf, Page, PageQueryDto, toPage } from '../common/http/pagination';
import { formatUsdc } from '../common/money/usdc';
import { AppConfig } from '../config/app-config';
import { MarketQueriesService } from '../markets/market-queries.service';
import { CreatorAccounts } from './creators.accounts';
import { curveValue, nextSharePrice, quoteSell } from './creator-curve';
import { CreatorNotFound } from './creator-errors';
import { curveRulesOf } from './creator-rules';
import type { CreatorStatus } from './creator-share-market.entity';
import {
  CreatorDetailDto,
  CreatorDto,
  CreatorHolderDto,
  CreatorSort,
  ListCreatorsQueryDto,
  MyCreatorSharesDto,
} from './creator.dto';
import { CreatorDividendDto, DividendPeriodDto, MyDividendDto } from './dividend.dto';
import { formatPeriod, periodEndOf, periodStartOf } from './dividend-periods';

interface MarketRow {
  creator_id: string;
  status: CreatorStatus;
  supply: string;
  holder_count: number;
  volume: string;
  trade_count: number;
  dividends_paid: string;
  granted_at: Date;
  volume_24h: string;
  total?: string;
}

interface DividendRow {
  creator_id: string;
  period: Date;
  amount: string;
  total_shares: string;
  holders: number;
  paid_at: Date | null;
}

const SORT_COLUMNS: Record<CreatorSort, string> = { price: 'supply', holders: 'holder_count', volume: 'volume', dividends: 'dividends_paid' };
const MARKET_COLUMNS = `m.creator_id, m.status, m.supply, m.holder_count, m.volume, m.trade_count, m.dividends_paid, m.granted_at,
  coalesce((SELECT sum(t.value) FROM creator_share_trades t WHERE t.creator_id = m.creator_id AND t.created_at > now() - interval '24 hours'), 0)::text AS volume_24h`;
/** Periods before the current one whose pools `pendingDividends` looks at. */
const PENDING_PERIODS = 31;
/** Creators listed per period on the admin page. */
const ADMIN_PERIOD_LIMIT = 500;

/** Read side of creator shares and dividends. */
@Injectable()
export class CreatorQueriesService {
  private readonly divisor: bigint;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly ledger: LedgerService,
    private readonly users: UsersService,
    private readonly markets: MarketQueriesService,
    private readonly config: AppConfig,
  ) {
    this.divisor = curveRulesOf(config).divisor;
  }

  /** Highest first by the chosen sort, ties by creator id. */
  async list(query: ListCreatorsQueryDto): Promise<Page<CreatorDto>> {
    const column = SORT_COLUMNS[query.sort];
    const rows = (await this.dataSource.query(
      `SELECT ${MARKET_COLUMNS}, count(*) OVER () AS total FROM creator_share_markets m ORDER BY m.${column} DESC, m.creator_id LIMIT $1 OFFSET $2`,
      [query.limit, offsetOf(query)],
    )) as MarketRow[];
    const total = rows.length > 0 ? Number(rows[0].total) : await this.count(`SELECT count(*)::int AS n FROM creator_share_markets`, []);
    const names = await this.users.usernames(rows.map((row) => row.creator_id));
    return toPage(
      rows.map((row) => this.creatorDto(row, names.get(row.creator_id) ?? null)),
      total,
      query,
    );
  }

  /** Throws CreatorNotFound unless the creator has a share market (a `creator:<id>` subscription asks this first). */
  async assertExists(creatorId: string): Promise<void> {
    await this.row(creatorId);
  }

  /** With `manager`, read in that transaction (an admin grant answers before its commit). */
  async detail(creatorId: string, manager: EntityManager = this.dataSource.manager): Promise<CreatorDetailDto> {
    const row = await this.row(creatorId, manager);
    const names = await this.users.usernames([creatorId]);
    return {
      ...this.creatorDto(row, names.get(creatorId) ?? null),
      pendingDividends: formatUsdc(await this.pendingDividends(creatorId, manager)),
      markets: await this.markets.byCreator(creatorId),
    };
  }

  /** Largest holders first (ties by user id). */
  async holders(creatorId: string, query: PageQueryDto): Promise<Page<CreatorHolderDto>> {
    const market = await this.row(creatorId);
    const rows = (await this.dataSource.query(
      `SELECT user_id, shares FROM creator_share_holdings WHERE creator_id = $1 AND shares > 0 ORDER BY shares DESC, user_id LIMIT $2 OFFSET $3`,
      [creatorId, query.limit, offsetOf(query)],
    )) as { user_id: string; shares: string }[];
    const names = await this.users.usernames(rows.map((row) => row.user_id));
    return toPage(
      rows.map((row) => ({ userId: row.user_id, username: names.get(row.user_id) ?? null, shares: Number(row.shares) })),
      market.holder_count,
      query,
    );
  }

  /** The caller's holdings with their lots, valued at what selling every bought share would return now. */
  async sharesOf(userId: string, query: PageQueryDto): Promise<Page<MyCreatorSharesDto>> {
    const total = await this.count(`SELECT count(*)::int AS n FROM creator_share_holdings WHERE user_id = $1 AND shares > 0`, [userId]);
    const holdings = (await this.dataSource.query(
      `SELECT h.creator_id, h.shares, m.status, m.supply FROM creator_share_holdings h JOIN creator_share_markets m ON m.creator_id = h.creator_id
        WHERE h.user_id = $1 AND h.shares > 0 ORDER BY h.updated_at DESC, h.creator_id LIMIT $2 OFFSET $3`,
      [userId, query.limit, offsetOf(query)],
    )) as { creator_id: string; shares: string; status: CreatorStatus; supply: string }[];
    const creatorIds = holdings.map((row) => row.creator_id);
    const lots = (await this.dataSource.query(
      `SELECT id, creator_id, shares, remaining, locked_until FROM creator_share_lots
        WHERE user_id = $1 AND creator_id = ANY($2::uuid[]) AND remaining > 0 ORDER BY locked_until, id`,
      [userId, creatorIds],
    )) as { id: string; creator_id: string; shares: string; remaining: string; locked_until: Date }[];
    const names = await this.users.usernames(creatorIds);
    const rules = curveRulesOf(this.config);
    const now = Date.now();
    return toPage(
      holdings.map((holding) => {
        const own = lots.filter((lot) => lot.creator_id === holding.creator_id);
        const sellable = own.reduce((sum, lot) => sum + BigInt(lot.remaining), 0n);
        const unlocked = own.filter((lot) => lot.locked_until.getTime() <= now).reduce((sum, lot) => sum + BigInt(lot.remaining), 0n);
        const value = sellable > 0n ? quoteValue(() => quoteSell(BigInt(holding.supply), sellable, rules).total) : 0n;
        return {
          creatorId: holding.creator_id,
          username: names.get(holding.creator_id) ?? null,
          status: holding.status,
          shares: Number(holding.shares),
          unlockedShares: Number(unlocked),
          value: formatUsdc(value),
          lots: own.map((lot) => ({
            id: lot.id,
            shares: Number(lot.shares),
            remaining: Number(lot.remaining),
            lockedUntil: lot.locked_until.toISOString(),
            locked: lot.locked_until.getTime() > now,
          })),
        };
      }),
      total,
      query,
    );
  }

  /** The caller's dividends, newest period first. */
  async dividendsOf(userId: string, query: PageQueryDto): Promise<Page<MyDividendDto>> {
    const total = await this.count(`SELECT count(*)::int AS n FROM creator_dividend_payments WHERE user_id = $1`, [userId]);
    const rows = (await this.dataSource.query(
      `SELECT p.creator_id, p.period, p.shares, p.amount, p.user_id <= coalesce(d.paid_through, '00000000-0000-0000-0000-000000000000') AS paid, d.paid_at
         FROM creator_dividend_payments p JOIN creator_dividends d ON d.creator_id = p.creator_id AND d.period = p.period
        WHERE p.user_id = $1 ORDER BY p.period DESC, p.creator_id LIMIT $2 OFFSET $3`,
      [userId, query.limit, offsetOf(query)],
    )) as { creator_id: string; period: Date; shares: string; amount: string; paid: boolean; paid_at: Date | null }[];
    return toPage(
      rows.map((row) => ({
        creatorId: row.creator_id,
        period: formatPeriod(row.period),
        shares: Number(row.shares),
        amount: formatUsdc(BigInt(row.amount)),
        paid: row.paid,
        paidAt: row.paid_at?.toISOString() ?? null,
      })),
      total,
      query,
    );
  }

  /** A creator's dividends, newest period first. */
  async dividendsOfCreator(creatorId: string, query: PageQueryDto): Promise<Page<CreatorDividendDto>> {
    await this.row(creatorId);
    const total = await this.count(`SELECT count(*)::int AS n FROM creator_dividends WHERE creator_id = $1`, [creatorId]);
    const rows = (await this.dataSource.query(
      `SELECT creator_id, period, amount, total_shares, holders, paid_at FROM creator_dividends WHERE creator_id = $1 ORDER BY period DESC LIMIT $2 OFFSET $3`,
      [creatorId, query.limit, offsetOf(query)],
    )) as DividendRow[];
    return toPage(rows.map(dividendDto), total, query);
  }

  /** Admin: one period's run and the dividends funded for it (the largest first). */
  async period(period: Date): Promise<DividendPeriodDto> {
    const seconds = this.config.creators.dividendPeriodSeconds;
    const endsAt = periodEndOf(period, seconds);
    const [run] = (await this.dataSource.query(`SELECT finished_at FROM creator_dividend_runs WHERE period = $1`, [period])) as { finished_at: Date | null }[];
    const [sums] = (await this.dataSource.query(`SELECT coalesce(sum(amount), 0)::text AS amount FROM creator_dividends WHERE period = $1`, [period])) as {
      amount: string;
    }[];
    const [paidParts] = (await this.dataSource.query(
      `SELECT coalesce(sum(p.amount), 0)::text AS paid FROM creator_dividend_payments p JOIN creator_dividends d ON d.creator_id = p.creator_id AND d.period = p.period
        WHERE p.period = $1 AND p.user_id <= d.paid_through`,
      [period],
    )) as { paid: string }[];
    const rows = (await this.dataSource.query(
      `SELECT creator_id, period, amount, total_shares, holders, paid_at FROM creator_dividends WHERE period = $1 ORDER BY amount DESC, creator_id LIMIT $2`,
      [period, ADMIN_PERIOD_LIMIT],
    )) as DividendRow[];
    const status = endsAt.getTime() > Date.now() ? 'open' : !run ? 'pending' : run.finished_at ? 'finished' : 'closed';
    return {
      period: formatPeriod(period),
      endsAt: endsAt.toISOString(),
      status,
      amount: formatUsdc(BigInt(sums.amount)),
      paid: formatUsdc(BigInt(paidParts.paid)),
      dividends: rows.map(dividendDto),
    };
  }

  /** The latest period that has ended, for the admin page's default. */
  latestEndedPeriod(now: Date = new Date()): Date {
    const seconds = this.config.creators.dividendPeriodSeconds;
    return new Date(periodStartOf(now, seconds).getTime() - seconds * 1000);
  }

  /** What the pools of the periods not yet paid hold (the current one and up to PENDING_PERIODS before it). */
  private async pendingDividends(creatorId: string, manager: EntityManager): Promise<bigint> {
    const seconds = this.config.creators.dividendPeriodSeconds;
    const current = periodStartOf(new Date(), seconds).getTime();
    const periods = Array.from({ length: PENDING_PERIODS + 1 }, (_, back) => new Date(current - back * seconds * 1000));
    const balances = await this.ledger.systemBalances(
      manager,
      periods.map((period) => CreatorAccounts.dividendPool(creatorId, period)),
    );
    return [...balances.values()].reduce((sum, balance) => sum + balance, 0n);
  }

  private async row(creatorId: string, manager: EntityManager = this.dataSource.manager): Promise<MarketRow> {
    const [row] = (await manager.query(`SELECT ${MARKET_COLUMNS} FROM creator_share_markets m WHERE m.creator_id = $1`, [creatorId])) as MarketRow[];
    if (!row) throw new CreatorNotFound(creatorId);
    return row;
  }

  private async count(sql: string, params: unknown[]): Promise<number> {
    const [row] = (await this.dataSource.query(sql, params)) as { n: number }[];
    return row.n;
  }

  private creatorDto(row: MarketRow, username: string | null): CreatorDto {
    const supply = BigInt(row.supply);
    return {
      creatorId: row.creator_id,
      username,
      status: row.status,
      supply: Number(supply),
      price: formatUsdc(nextSharePrice(supply, this.divisor)),
      sellPrice: supply > 1n ? formatUsdc(curveValue(supply, this.divisor) - curveValue(supply - 1n, this.divisor)) : null,
      holders: row.holder_count,
      volume: formatUsdc(BigInt(row.volume)),
      volume24h: formatUsdc(BigInt(row.volume_24h)),
      tradeCount: row.trade_count,
      dividendsPaid: formatUsdc(BigInt(row.dividends_paid)),
      grantedAt: row.granted_at.toISOString(),
    };
  }
}

function dividendDto(row: DividendRow): CreatorDividendDto {
  return {
    creatorId: row.creator_id,
    period: formatPeriod(row.period),
    amount: formatUsdc(BigInt(row.amount)),
    totalShares: Number(row.total_shares),
    holders: row.holders,
    paidAt: row.paid_at?.toISOString() ?? null,
  };
}

/** A holding too small to sell for anything after fees is worth 0. */
function quoteValue(value: () => bigint): bigint {
  try {
    return value();
  } catch {
    return 0n;
  }
}
