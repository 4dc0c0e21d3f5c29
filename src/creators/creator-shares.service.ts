import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { LedgerService, Movement, SystemAccount } from '../accounts/ledger.service';
import type { AdminActor } from '../admin/admin-actor';
import { AuditService } from '../admin/audit.service';
import { UsersService } from '../auth/users.service';
import { DomainEventBus } from '../common/events/domain-event-bus';
import { formatUsdc, parseUsdc } from '../common/money/usdc';
import { commandTransaction } from '../common/transactions/command-transaction';
import { AppConfig } from '../config/app-config';
import { CreatorAccounts } from './creators.accounts';
import { CurveRules, LotTake, nextSharePrice, quoteBuy, quoteSell, reserveFor, ShareQuote, takeFromLots } from './creator-curve';
import { CreatorEarnings } from './creator-earnings.service';
import { CreatorNotFound, CreatorNotTrading, PriceMovedBeyondSlippage } from './creator-errors';
import { curveRulesOf, netMovements, quoteDto } from './creator-rules';
import type { CreatorStatus } from './creator-share-market.entity';
import { CreatorQueriesService } from './creator-queries.service';
import { BuySharesDto, CreatorDetailDto, SellSharesDto, ShareFillDto, ShareQuoteDto, ShareQuoteQueryDto } from './creator.dto';
import { CreatorEvent, CreatorStateEvent } from './creators.events';
import { effectivePeriod } from './dividend-periods';

interface LockedMarket {
  status: CreatorStatus;
  supply: string;
  holder_count: number;
  volume: string;
  trade_count: number;
  dividends_paid: string;
  closed_through: Date | null;
  held: string | null;
}

interface LotRow {
  id: string;
  remaining: string;
  locked_until: Date;
}

type Trade = { side: 'buy'; shares: bigint; maxCost?: bigint } | { side: 'sell'; shares: bigint; minProceeds?: bigint };

/**
 * Creator share markets: opening one when the `creator` role is granted (the creator is given share 1), closing
 * it to buyers when the role is revoked, and trading on the curve. A trade is one transaction: the creator's
 * market row is locked (FOR UPDATE, so trades on one creator run one after another against the supply they read)
 * and their dividend cursor share-locked (the dividend job's close waits for it); the cost or proceeds move through
 * the ledger (trader, reserve, fees, creator, dividend pool), then the holding, lot(s) and trade row are written.
 */
@Injectable()
export class CreatorSharesService {
  private readonly logger = new Logger('CreatorShares');
  private readonly rules: CurveRules;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly ledger: LedgerService,
    private readonly earnings: CreatorEarnings,
    private readonly events: DomainEventBus,
    private readonly users: UsersService,
    private readonly queries: CreatorQueriesService,
    private readonly config: AppConfig,
    private readonly audit: AuditService,
  ) {
    this.rules = curveRulesOf(config);
  }

  /**
   * Admin: grants the role and opens the share market in one transaction (again: reopens a revoked one to buyers).
   * With an actor it is audited there too: roles and share market as read under the user's lock, and as written.
   */
  grant(userId: string, actor?: AdminActor): Promise<CreatorDetailDto> {
    return commandTransaction(this.dataSource, async (manager) => {
      const { user, rolesBefore } = await this.users.changeRole(manager, userId, 'creator', true);
      const marketBefore = actor ? await this.stateOf(manager, userId) : undefined;
      await this.open(manager, userId);
      if (actor) await this.auditRoleChange(manager, actor, 'creator.grant', userId, { roles: rolesBefore, market: marketBefore }, user.roles);
      return this.queries.detail(userId, manager);
    });
  }

  /** Admin: takes the role away and stops buying; holders can still sell. 404 for a user who never was a creator. */
  revoke(userId: string, actor?: AdminActor): Promise<CreatorDetailDto> {
    return commandTransaction(this.dataSource, async (manager) => {
      const { user, rolesBefore } = await this.users.changeRole(manager, userId, 'creator', false);
      const marketBefore = actor ? await this.stateOf(manager, userId) : undefined;
      if (!(await this.close(manager, userId))) throw new CreatorNotFound(userId);
      if (actor) await this.auditRoleChange(manager, actor, 'creator.revoke', userId, { roles: rolesBefore, market: marketBefore }, user.roles);
      return this.queries.detail(userId, manager);
    });
  }

  /** The user row is locked by `changeRole`, so no other grant or revoke moves the share market between the reads. */
  private async auditRoleChange(
    manager: EntityManager,
    actor: AdminActor,
    action: 'creator.grant' | 'creator.revoke',
    userId: string,
    before: { roles: readonly string[]; market: CreatorStateEvent | undefined },
    rolesAfter: readonly string[],
  ): Promise<void> {
    await this.audit.record(manager, actor, {
      action,
      targetType: 'user',
      targetId: userId,
      before: { roles: before.roles, shareMarket: before.market ?? null },
      after: { roles: rolesAfter, shareMarket: (await this.stateOf(manager, userId)) ?? null },
    });
  }

  /** Opens the share market (the creator holds share 1), or reopens a revoked one; does nothing to an active one. */
  async open(manager: EntityManager, creatorId: string): Promise<void> {
    const [created] = (await manager.query(
      `INSERT INTO creator_share_markets (creator_id) VALUES ($1) ON CONFLICT (creator_id) DO NOTHING RETURNING creator_id`,
      [creatorId],
    )) as unknown[];
    if (created) {
      await manager.query(
        `WITH c AS (INSERT INTO creator_dividend_cursors (creator_id) VALUES ($1) RETURNING creator_id),
              h AS (INSERT INTO creator_share_holdings (creator_id, user_id, shares) SELECT creator_id, creator_id, 1 FROM c RETURNING creator_id)
         INSERT INTO creator_share_trades (creator_id, user_id, side, shares, supply_after, value, creator_fee, platform_fee, dividend_fee, total, period)
         SELECT creator_id, creator_id, 'grant', 1, 1, 0, 0, 0, 0, 0, $2 FROM h`,
        [creatorId, effectivePeriod(new Date(), null, this.config.creators.dividendPeriodSeconds)],
      );
      this.logger.log(`opened the share market of creator ${creatorId}`);
    } else {
      await manager.query(
        `UPDATE creator_share_markets SET status = 'ACTIVE', revoked_at = NULL, updated_at = now() WHERE creator_id = $1 AND status = 'REVOKED'`,
        [creatorId],
      );
    }
    const state = await this.stateOf(manager, creatorId);
    if (state) this.events.afterCommit(manager, { name: CreatorEvent.Updated, payload: state });
  }

  /** Stops buying (REVOKED); false when the user has no share market. */
  async close(manager: EntityManager, creatorId: string): Promise<boolean> {
    const rows = (await manager.query(
      // As a CTE: TypeORM answers a bare UPDATE with [rows, count], a SELECT with its rows.
      `WITH revoked AS (
         UPDATE creator_share_markets SET status = 'REVOKED', revoked_at = coalesce(revoked_at, now()), updated_at = now() WHERE creator_id = $1 RETURNING creator_id
       ) SELECT creator_id FROM revoked`,
      [creatorId],
    )) as unknown[];
    const state = rows.length > 0 ? await this.stateOf(manager, creatorId) : undefined;
    if (state) this.events.afterCommit(manager, { name: CreatorEvent.Updated, payload: state });
    return rows.length > 0;
  }

  /** Opens (or closes) the share market in its own transaction: the `user.roles-changed` listener and the boot backfill. */
  async syncRole(creatorId: string, isCreator: boolean): Promise<void> {
    await this.dataSource.transaction((manager) => (isCreator ? this.open(manager, creatorId) : this.close(manager, creatorId).then(() => undefined)));
  }

  buy(userId: string, creatorId: string, body: BuySharesDto): Promise<ShareFillDto> {
    const maxCost = body.maxCost === undefined ? undefined : parseUsdc(body.maxCost, 'maxCost', 'nonNegative');
    return this.trade(userId, creatorId, { side: 'buy', shares: BigInt(body.shares), maxCost });
  }

  sell(userId: string, creatorId: string, body: SellSharesDto): Promise<ShareFillDto> {
    const minProceeds = body.minProceeds === undefined ? undefined : parseUsdc(body.minProceeds, 'minProceeds', 'nonNegative');
    return this.trade(userId, creatorId, { side: 'sell', shares: BigInt(body.shares), minProceeds });
  }

  /** Exactly what the trade would fill now; signed in, a sell quote also checks the caller's lots as the sell would. */
  async quote(creatorId: string, query: ShareQuoteQueryDto, userId?: string): Promise<ShareQuoteDto> {
    const manager = this.dataSource.manager;
    const [market] = (await manager.query(`SELECT status, supply FROM creator_share_markets WHERE creator_id = $1`, [creatorId])) as LockedMarket[];
    if (!market) throw new CreatorNotFound(creatorId);
    const shares = BigInt(query.shares);
    if (query.side === 'buy') {
      assertBuying(creatorId, market.status);
      return quoteDto(quoteBuy(BigInt(market.supply), shares, this.rules), this.rules.divisor);
    }
    const quote = quoteSell(BigInt(market.supply), shares, this.rules);
    if (userId !== undefined) takeFromLots(await this.lotsOf(manager, creatorId, userId), shares, new Date());
    return quoteDto(quote, this.rules.divisor);
  }

  private async trade(userId: string, creatorId: string, trade: Trade): Promise<ShareFillDto> {
    return commandTransaction(this.dataSource, async (manager) => {
      const now = new Date();
      const market = await this.lock(manager, creatorId, userId);
      const supply = BigInt(market.supply);
      let quote: ShareQuote;
      let takes: LotTake[] = [];
      if (trade.side === 'buy') {
        assertBuying(creatorId, market.status);
        quote = quoteBuy(supply, trade.shares, this.rules);
        if (trade.maxCost !== undefined && quote.total > trade.maxCost) {
          throw new PriceMovedBeyondSlippage(`Buying ${trade.shares} shares would cost ${formatUsdc(quote.total)}, more than maxCost ${formatUsdc(trade.maxCost)}`, {
            cost: formatUsdc(quote.total),
            maxCost: formatUsdc(trade.maxCost),
          });
        }
      } else {
        quote = quoteSell(supply, trade.shares, this.rules);
        if (trade.minProceeds !== undefined && quote.total < trade.minProceeds) {
          throw new PriceMovedBeyondSlippage(
            `Selling ${trade.shares} shares would pay ${formatUsdc(quote.total)}, less than minProceeds ${formatUsdc(trade.minProceeds)}`,
            { proceeds: formatUsdc(quote.total), minProceeds: formatUsdc(trade.minProceeds) },
          );
        }
        takes = takeFromLots(await this.lotsOf(manager, creatorId, userId), trade.shares, now);
      }
      const period = effectivePeriod(now, market.closed_through, this.config.creators.dividendPeriodSeconds);
      const posted = await this.ledger.post(manager, {
        kind: `creator.${quote.side}`,
        reference: `creator:${creatorId}`,
        movements: this.movementsOf(creatorId, userId, quote, period),
      });
      const reserve = CreatorAccounts.reserve(creatorId);
      const reserveBalance = posted.systemBalances.find((balance) => balance.system === reserve.system)?.available ?? (await this.ledger.systemBalance(manager, reserve));
      // A bug guard, not a client error: the reserve always holds exactly V(supply) − V(1) (rolls back).
      if (reserveBalance !== reserveFor(quote.supplyAfter, this.rules.divisor)) {
        throw new Error(`Reserve of creator ${creatorId} holds ${reserveBalance}, not V(${quote.supplyAfter}) − V(1) = ${reserveFor(quote.supplyAfter, this.rules.divisor)}`);
      }
      const heldBefore = BigInt(market.held ?? '0');
      const heldAfter = heldBefore + (quote.side === 'buy' ? quote.shares : -quote.shares);
      const lockedUntil = new Date(now.getTime() + this.config.creators.shareLockSeconds * 1000);
      const written = await this.write(manager, creatorId, userId, quote, period, Number(heldAfter > 0n) - Number(heldBefore > 0n), takes, lockedUntil);

      const state: CreatorStateEvent = {
        creatorId,
        status: market.status,
        supply: Number(quote.supplyAfter),
        price: formatUsdc(nextSharePrice(quote.supplyAfter, this.rules.divisor)),
        holders: written.holderCount,
        volume: formatUsdc(BigInt(market.volume) + quote.value),
        tradeCount: market.trade_count + 1,
        dividendsPaid: formatUsdc(BigInt(market.dividends_paid)),
      };
      const fill: ShareFillDto = { tradeId: written.tradeId, ...quoteDto(quote, this.rules.divisor), ...(quote.side === 'buy' ? { lockedUntil: lockedUntil.toISOString() } : {}) };
      this.events.afterCommit(manager, {
        name: CreatorEvent.Traded,
        payload: {
          creatorId,
          tradeId: written.tradeId,
          userId,
          side: quote.side,
          shares: fill.shares,
          supplyAfter: fill.supplyAfter,
          value: fill.value,
          fee: fill.fee,
          total: fill.total,
          price: state.price,
          at: written.at.toISOString(),
          state,
        },
      });
      return fill;
    });
  }

  /**
   * Buy: the trader pays value + fees; the reserve gets value. Sell: the reserve pays value; the trader gets value −
   * fees. Either way the platform fee goes to `fees` and the creator's fee to the creator and their dividend pool.
   */
  private movementsOf(creatorId: string, userId: string, quote: ShareQuote, period: Date): Movement[] {
    const buy = quote.side === 'buy';
    return netMovements([
      { account: { userId }, bucket: 'available', amount: buy ? -quote.total : quote.total },
      { account: CreatorAccounts.reserve(creatorId), bucket: 'available', amount: buy ? quote.value : -quote.value },
      { account: SystemAccount.fees, bucket: 'available', amount: quote.platformFee },
      ...this.earnings.split(creatorId, quote.creatorFee, quote.dividendFee, period),
    ]);
  }

  /** The market row locked, the dividend cursor share-locked and the trader's holding, in one round trip. */
  private async lock(manager: EntityManager, creatorId: string, userId: string): Promise<LockedMarket> {
    const [market] = (await manager.query(
      `SELECT m.status, m.supply, m.holder_count, m.volume, m.trade_count, m.dividends_paid, c.closed_through,
              (SELECT h.shares FROM creator_share_holdings h WHERE h.creator_id = m.creator_id AND h.user_id = $2) AS held
         FROM creator_share_markets m JOIN creator_dividend_cursors c ON c.creator_id = m.creator_id
        WHERE m.creator_id = $1
          FOR NO KEY UPDATE OF m FOR SHARE OF c`,
      [creatorId, userId],
    )) as LockedMarket[];
    if (!market) throw new CreatorNotFound(creatorId);
    return market;
  }

  private async lotsOf(manager: EntityManager, creatorId: string, userId: string) {
    const rows = (await manager.query(
      `SELECT id, remaining, locked_until FROM creator_share_lots WHERE creator_id = $1 AND user_id = $2 AND remaining > 0`,
      [creatorId, userId],
    )) as LotRow[];
    return rows.map((row) => ({ id: row.id, remaining: BigInt(row.remaining), lockedUntil: row.locked_until }));
  }

  /** The trade, the market's new supply and counters, the holding and the lot(s), in one round trip. */
  private async write(
    manager: EntityManager,
    creatorId: string,
    userId: string,
    quote: ShareQuote,
    period: Date,
    holderDelta: number,
    takes: LotTake[],
    lockedUntil: Date,
  ): Promise<{ tradeId: string; at: Date; holderCount: number }> {
    // A sell's holding exists (it had lots) and only shrinks; a buy's may be new. Each branch names only its own parameters.
    const buy = quote.side === 'buy';
    const holding = buy
      ? `INSERT INTO creator_share_holdings (creator_id, user_id, shares) VALUES ($1, $2, $4)
         ON CONFLICT (creator_id, user_id) DO UPDATE SET shares = creator_share_holdings.shares + EXCLUDED.shares, updated_at = now() RETURNING shares`
      : `UPDATE creator_share_holdings SET shares = shares - $4, updated_at = now() WHERE creator_id = $1 AND user_id = $2 RETURNING shares`;
    const lots = buy
      ? `INSERT INTO creator_share_lots (creator_id, user_id, trade_id, shares, remaining, locked_until) SELECT $1, $2, t.id, $4, $4, $13 FROM t RETURNING id`
      : `UPDATE creator_share_lots AS lot SET remaining = lot.remaining - v.take
           FROM unnest($13::uuid[], $14::bigint[]) AS v(id, take) WHERE lot.id = v.id RETURNING lot.id`;
    const rows = (await manager.query(
      `WITH t AS (
         INSERT INTO creator_share_trades (creator_id, user_id, side, shares, supply_after, value, creator_fee, platform_fee, dividend_fee, total, period)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id, created_at
       ), m AS (
         UPDATE creator_share_markets SET supply = $5, holder_count = holder_count + $12, volume = volume + $6, trade_count = trade_count + 1, updated_at = now()
          WHERE creator_id = $1 RETURNING holder_count
       ), h AS (${holding}), l AS (${lots})
       SELECT t.id, t.created_at, m.holder_count FROM t, m, (SELECT count(*) FROM h) AS holdings, (SELECT count(*) FROM l) AS lots`,
      [
        creatorId,
        userId,
        quote.side,
        quote.shares.toString(),
        quote.supplyAfter.toString(),
        quote.value.toString(),
        quote.creatorFee.toString(),
        quote.platformFee.toString(),
        quote.dividendFee.toString(),
        quote.total.toString(),
        period,
        holderDelta,
        ...(buy ? [lockedUntil] : [takes.map((take) => take.id), takes.map((take) => take.shares.toString())]),
      ],
    )) as { id: string; created_at: Date; holder_count: number }[];
    return { tradeId: rows[0].id, at: rows[0].created_at, holderCount: rows[0].holder_count };
  }

  /** The market's state as `creator:update` carries it, read in `manager`'s transaction. */
  async stateOf(manager: EntityManager, creatorId: string): Promise<CreatorStateEvent | undefined> {
    const [row] = (await manager.query(
      `SELECT status, supply, holder_count, volume, trade_count, dividends_paid FROM creator_share_markets WHERE creator_id = $1`,
      [creatorId],
    )) as Omit<LockedMarket, 'closed_through' | 'held'>[];
    if (!row) return undefined;
    return {
      creatorId,
      status: row.status,
      supply: Number(row.supply),
      price: formatUsdc(nextSharePrice(BigInt(row.supply), this.rules.divisor)),
      holders: row.holder_count,
      volume: formatUsdc(BigInt(row.volume)),
      tradeCount: row.trade_count,
      dividendsPaid: formatUsdc(BigInt(row.dividends_paid)),
    };
  }
}

function assertBuying(creatorId: string, status: CreatorStatus): void {
  if (status !== 'ACTIVE') throw new CreatorNotTrading(`Creator ${creatorId} is ${status}: their shares can only be sold`, { status });
}
