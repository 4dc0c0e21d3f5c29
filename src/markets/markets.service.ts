import { randomUUID } from 'node:crypto';
import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import type { AdminActor } from '../admin/admin-actor';
import { ApprovalDto } from '../admin/admin.dto';
import { ApprovalsService } from '../admin/approvals.service';
import { AuditService } from '../admin/audit.service';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { LedgerService, SystemAccount } from '../accounts/ledger.service';
import { AppConfig } from '../config/app-config';
import { DomainEventBus } from '../common/events/domain-event-bus';
import { InvalidField } from '../common/errors/domain-error';
import { parseUsdc } from '../common/money/usdc';
import { createMarketMaker, priceStrings } from './amm';
import { MarketEntity, MarketOutcomeEntity, MarketStatus } from './market.entity';
import { CreateMarketDto, MarketDto, OutcomeRef, UpdateMarketDto } from './market.dto';
import { InvalidMarketTransition } from './market-errors';
import { MarketJobs } from './market-jobs';
import { MarketOrdersService } from './market-orders.service';
import { MarketListCache } from './market-list.cache';
import { formatUnits, parseUnits, resolveOutcome } from './market-rules';
import { parseTickSize } from './market-tick';
import { MarketRepository, poolOf } from './market.repository';
import { toMarketDto, toMarketStateEvent } from './market.mapper';
import { MarketEvent } from './markets.events';
import { commandTransaction, whenCommitted } from '../common/transactions/command-transaction';

/** Who creates a market: a user with the `creator` role (funds the subsidy, earns a fee share) or an admin (the house funds it). */
export type MarketFunding = { creatorId: string } | { house: true; adminId: string };

/** A house market either opened, or (its subsidy above ADMIN_APPROVAL_THRESHOLD) waits for a second admin. */
export type HouseMarketOutcome = { market: MarketDto } | { approval: ApprovalDto };

export const MARKET_SUBSIDY_APPROVAL = 'market.create';

interface PreparedMarket {
  labels: string[];
  closesAt: Date;
  subsidy: bigint;
  state: ReturnType<typeof createMarketMaker>;
  ticksPerUnit: number;
}

/**
 * Creation and the lifecycle of prediction markets: OPEN → CLOSED (job at closesAt) → RESOLVED or CANCELLED
 * (admin), after which the `market-resolution` job pays positions (MarketSettlementService). Every step
 * locks the market row, so it cannot interleave with a trade.
 */
@Injectable()
export class MarketsService implements OnModuleInit {
  private readonly logger = new Logger('Markets');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly ledger: LedgerService,
    private readonly config: AppConfig,
    private readonly events: DomainEventBus,
    private readonly listCache: MarketListCache,
    private readonly jobs: MarketJobs,
    private readonly audit: AuditService,
    private readonly approvals: ApprovalsService,
    private readonly orders: MarketOrdersService,
  ) {}

  onModuleInit(): void {
    this.approvals.register(MARKET_SUBSIDY_APPROVAL, async (manager, approval, approver) => {
      const body = approval.payload as unknown as CreateMarketDto;
      const prepared = this.prepare(body);
      const market = await this.createIn(manager, { house: true, adminId: approval.requestedBy }, body, prepared, approval.targetId, approver);
      return { result: toMarketDto(market, prepared.labels), afterCommit: () => this.afterCreate(market) };
    });
  }

  /**
   * An admin's house market. Its subsidy is a money move from the house: above ADMIN_APPROVAL_THRESHOLD (USDC)
   * it waits for a second admin (the approval carries the new market's id).
   */
  async createAsAdmin(actor: AdminActor, body: CreateMarketDto): Promise<HouseMarketOutcome> {
    const prepared = this.prepare(body);
    if (prepared.subsidy > parseUsdc(this.config.adminApprovalThreshold, 'ADMIN_APPROVAL_THRESHOLD', 'nonNegative')) {
      const approval = await commandTransaction(this.dataSource, (manager) =>
        this.approvals.request(manager, actor, { action: MARKET_SUBSIDY_APPROVAL, targetId: randomUUID(), asset: 'USDC', amount: formatUnits(prepared.subsidy), payload: { ...body } }),
      );
      return { approval };
    }
    const market = await commandTransaction(this.dataSource, (manager) => this.createIn(manager, { house: true, adminId: actor.id }, body, prepared, randomUUID(), actor));
    await whenCommitted(() => this.afterCreate(market));
    return { market: toMarketDto(market, prepared.labels) };
  }

  async create(funding: MarketFunding, body: CreateMarketDto): Promise<MarketDto> {
    const prepared = this.prepare(body);
    const market = await commandTransaction(this.dataSource, (manager) => this.createIn(manager, funding, body, prepared, randomUUID()));
    await whenCommitted(() => this.afterCreate(market));
    return toMarketDto(market, prepared.labels);
  }

  private prepare(body: CreateMarketDto): PreparedMarket {
    const labels = body.outcomes.map((label) => label.trim());
    if (labels.some((label) => label.length === 0)) throw new InvalidField('outcomes', 'must not contain blank labels');
    if (new Set(labels.map((label) => label.toLowerCase())).size !== labels.length) {
      throw new InvalidField('outcomes', 'must not repeat a label (labels compare case-insensitively)');
    }
    const closesAt = new Date(body.closesAt);
    if (!(closesAt.getTime() > Date.now())) throw new InvalidField('closesAt', 'must be in the future');
    const subsidy = parseUnits(body.subsidy, 'subsidy');
    const state = createMarketMaker({ outcomeCount: labels.length, subsidy, initialProbabilities: body.initialProbabilities });
    return { labels, closesAt, subsidy, state, ticksPerUnit: parseTickSize(body.tickSize) };
  }

  private async createIn(manager: EntityManager, funding: MarketFunding, body: CreateMarketDto, prepared: PreparedMarket, id: string, actor?: AdminActor): Promise<MarketEntity> {
    const { labels, closesAt, subsidy, state, ticksPerUnit } = prepared;
    const creatorId = 'creatorId' in funding ? funding.creatorId : null;
    const row = manager.getRepository(MarketEntity).create({
      id,
      question: body.question.trim(),
      description: body.description ?? '',
      category: body.category.trim(),
      status: 'OPEN',
      closesAt,
      resolvedOutcome: null,
      liquidity: state.liquidity,
      outstandingShares: [...state.outstandingShares],
      priorShares: [...state.priorShares],
      subsidy,
      feeBps: this.config.marketFeeBps,
      creatorFeeShareBps: creatorId ? this.config.creatorFeeShareBps : 0,
      ticksPerUnit,
      creatorId,
      funderUserId: creatorId,
    });
    const saved = await manager.getRepository(MarketEntity).save(row);
    await manager.getRepository(MarketOutcomeEntity).insert(labels.map((label, index) => ({ marketId: id, index, label })));
    await manager.query(`INSERT INTO market_price_points (market_id, prices) VALUES ($1, $2::numeric[])`, [id, priceStrings(state)]);
    const meta = { kind: 'market.subsidy', reference: `market:${id}` };
    if (creatorId) await this.ledger.debit(manager, creatorId, subsidy, { ...meta, to: poolOf(id) });
    else await this.ledger.transfer(manager, SystemAccount.house, poolOf(id), subsidy, meta);
    this.events.afterCommit(manager, { name: MarketEvent.Created, payload: toMarketStateEvent(saved) });
    if (actor) {
      const requestedBy = 'adminId' in funding && funding.adminId !== actor.id ? { requestedBy: funding.adminId } : {};
      await this.audit.record(manager, actor, { action: 'market.create', targetType: 'market', targetId: id, before: null, after: { ...toMarketDto(saved, labels), ...requestedBy } });
    }
    return saved;
  }

  private async afterCreate(market: MarketEntity): Promise<void> {
    await this.scheduleClose(market);
    await this.listCache.invalidate();
  }

  /** Admin edit: text and category any time; closesAt only later, and only while OPEN and before it passed (the close job moves with it). */
  async update(marketId: string, body: UpdateMarketDto, actor?: AdminActor): Promise<MarketDto> {
    const { market, previousClosesAt } = await this.dataSource.transaction(async (manager) => {
      const market = await MarketRepository.lockForUpdate(manager, marketId);
      const previousClosesAt = market.closesAt;
      const before = editableOf(market);
      let extended = false;
      if (body.closesAt !== undefined) {
        const closesAt = new Date(body.closesAt);
        if (market.status !== 'OPEN') throw new InvalidMarketTransition(`Market ${marketId} is ${market.status}; its closing time can no longer change`);
        // Due to close (the close job may simply not have run yet): extending now would reopen trading.
        if (market.closesAt.getTime() <= Date.now()) {
          throw new InvalidMarketTransition(`Market ${marketId} closed at ${market.closesAt.toISOString()}; its closing time can no longer change`, {
            closesAt: market.closesAt.toISOString(),
          });
        }
        if (closesAt.getTime() <= market.closesAt.getTime()) throw new InvalidField('closesAt', 'may only be extended (later than the current closesAt)');
        if (closesAt.getTime() <= Date.now()) throw new InvalidField('closesAt', 'must be in the future');
        market.closesAt = closesAt;
        extended = true;
      }
      if (body.question !== undefined) market.question = body.question.trim();
      if (body.description !== undefined) market.description = body.description;
      if (body.category !== undefined) market.category = body.category.trim();
      await manager.getRepository(MarketEntity).save(market);
      this.events.afterCommit(manager, { name: MarketEvent.Updated, payload: toMarketStateEvent(market) });
      if (actor) await this.audit.record(manager, actor, { action: 'market.update', targetType: 'market', targetId: marketId, before, after: editableOf(market) });
      return { market, previousClosesAt: extended ? previousClosesAt : undefined };
    });
    if (previousClosesAt) await this.scheduleClose(market, previousClosesAt);
    await this.listCache.invalidate();
    return toMarketDto(market, await MarketRepository.labels(this.dataSource.manager, marketId));
  }

  /** OPEN or CLOSED → RESOLVED with a winner; the `market-resolution` job then pays the winning shares. */
  resolve(marketId: string, outcome: OutcomeRef, actor?: AdminActor): Promise<MarketDto> {
    return this.finish(marketId, 'RESOLVED', actor, outcome);
  }

  /**
   * OPEN or CLOSED → CANCELLING; the `market-resolution` job then refunds every position, returns the subsidy
   * and, in the transaction of its last step, marks the market CANCELLED: a client that sees CANCELLED sees
   * final balances.
   */
  cancel(marketId: string, actor?: AdminActor): Promise<MarketDto> {
    return this.finish(marketId, 'CANCELLING', actor);
  }

  /** The close job and the sweep: OPEN → CLOSED once closesAt has passed. Returns whether it closed the market. */
  async closeIfDue(marketId: string, now: Date = new Date()): Promise<boolean> {
    const closed = await this.dataSource.transaction(async (manager) => {
      const market = await MarketRepository.lockForUpdate(manager, marketId);
      if (market.status !== 'OPEN' || market.closesAt.getTime() > now.getTime()) return undefined;
      market.status = 'CLOSED';
      market.closedAt = now;
      await manager.getRepository(MarketEntity).save(market);
      await this.orders.cancelAllOfMarketLocked(manager, marketId);
      this.events.afterCommit(manager, { name: MarketEvent.Closed, payload: toMarketStateEvent(market) });
      return market;
    });
    if (!closed) return false;
    await this.listCache.invalidate();
    return true;
  }

  private async finish(marketId: string, status: Extract<MarketStatus, 'RESOLVED' | 'CANCELLING'>, actor?: AdminActor, outcome?: OutcomeRef): Promise<MarketDto> {
    const { market, labels } = await commandTransaction(this.dataSource, async (manager: EntityManager) => {
      const market = await MarketRepository.lockForUpdate(manager, marketId);
      const labels = await MarketRepository.labels(manager, marketId);
      if (market.status !== 'OPEN' && market.status !== 'CLOSED') {
        throw new InvalidMarketTransition(`Market ${marketId} is already ${market.status}`, { status: market.status });
      }
      const now = new Date();
      const before = lifecycleOf(market);
      if (market.status === 'OPEN') market.closedAt = now;
      market.status = status;
      market.resolvedOutcome = outcome === undefined ? null : resolveOutcome(labels, outcome);
      market.resolvedAt = now;
      await manager.getRepository(MarketEntity).save(market);
      // Resting orders of a market that stops trading are cancelled and their holds released with the step.
      await this.orders.cancelAllOfMarketLocked(manager, marketId);
      this.events.afterCommit(manager, { name: status === 'RESOLVED' ? MarketEvent.Resolved : MarketEvent.Cancelling, payload: toMarketStateEvent(market) });
      if (actor) {
        await this.audit.record(manager, actor, { action: status === 'RESOLVED' ? 'market.resolve' : 'market.cancel', targetType: 'market', targetId: marketId, before, after: lifecycleOf(market) });
      }
      return { market, labels };
    });
    await whenCommitted(async () => {
      // If this enqueue is lost (crash, Redis down), the minute sweep enqueues every unsettled market again.
      await this.jobs.enqueueSettlement(market.id).catch((error: Error) => this.logger.error(`settlement of market ${market.id} not enqueued: ${error.message}`));
      await this.listCache.invalidate();
    });
    return toMarketDto(market, labels);
  }

  /** The market is committed either way: if the delayed job cannot be queued now, the minute sweep closes it. */
  private async scheduleClose(market: MarketEntity, previousClosesAt?: Date): Promise<void> {
    await this.jobs
      .scheduleClose(market.id, market.closesAt, previousClosesAt)
      .catch((error: Error) => this.logger.error(`close job of market ${market.id} not scheduled (the sweep will close it): ${error.message}`));
  }
}


function editableOf(market: MarketEntity): Record<string, string> {
  return { question: market.question, description: market.description, category: market.category, closesAt: market.closesAt.toISOString() };
}

function lifecycleOf(market: MarketEntity): Record<string, unknown> {
  return { status: market.status, resolvedOutcome: market.resolvedOutcome, closedAt: market.closedAt?.toISOString() ?? null, resolvedAt: market.resolvedAt?.toISOString() ?? null };
}
