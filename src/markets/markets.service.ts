import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { LedgerService, SystemAccount } from '../accounts/ledger.service';
import { AppConfig } from '../config/app-config';
import { DomainEventBus } from '../common/events/domain-event-bus';
import { InvalidField } from '../common/errors/domain-error';
import { createMarketMaker, priceStrings } from './amm';
import { MarketEntity, MarketOutcomeEntity, MarketStatus } from './market.entity';
import { CreateMarketDto, MarketDto, OutcomeRef, UpdateMarketDto } from './market.dto';
import { InvalidMarketTransition } from './market-errors';
import { MarketJobs } from './market-jobs';
import { MarketOrdersService } from './market-orders.service';
import { MarketListCache } from './market-list.cache';
import { parseUnits, resolveOutcome } from './market-rules';
import { MarketRepository, poolOf } from './market.repository';
import { toMarketDto, toMarketStateEvent } from './market.mapper';
import { MarketEvent } from './markets.events';
import { commandTransaction, whenCommitted } from '../common/transactions/command-transaction';

/** Who creates a market: a user with the `creator` role (funds the subsidy, earns a fee share) or an admin (the house funds it). */
export type MarketFunding = { creatorId: string } | { house: true; adminId: string };

/**
 * Creation and the lifecycle of prediction markets: OPEN → CLOSED (job at closesAt) → RESOLVED or CANCELLED
 * (admin), after which the `market-resolution` job pays positions (MarketSettlementService). Every step
 * locks the market row, so it cannot interleave with a trade.
 */
@Injectable()
export class MarketsService {
  private readonly logger = new Logger('Markets');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly ledger: LedgerService,
    private readonly config: AppConfig,
    private readonly events: DomainEventBus,
    private readonly listCache: MarketListCache,
    private readonly jobs: MarketJobs,
    private readonly orders: MarketOrdersService,
  ) {}

  async create(funding: MarketFunding, body: CreateMarketDto): Promise<MarketDto> {
    const labels = body.outcomes.map((label) => label.trim());
    if (labels.some((label) => label.length === 0)) throw new InvalidField('outcomes', 'must not contain blank labels');
    if (new Set(labels.map((label) => label.toLowerCase())).size !== labels.length) {
      throw new InvalidField('outcomes', 'must not repeat a label (labels compare case-insensitively)');
    }
    const closesAt = new Date(body.closesAt);
    if (!(closesAt.getTime() > Date.now())) throw new InvalidField('closesAt', 'must be in the future');
    const subsidy = parseUnits(body.subsidy, 'subsidy');
    const state = createMarketMaker({ outcomeCount: labels.length, subsidy, initialProbabilities: body.initialProbabilities });
    const creatorId = 'creatorId' in funding ? funding.creatorId : null;

    const market = await commandTransaction(this.dataSource, async (manager) => {
      const id = randomUUID();
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
      return saved;
    });

    await whenCommitted(async () => {
      await this.scheduleClose(market);
      await this.listCache.invalidate();
    });
    return toMarketDto(market, labels);
  }

  /** Admin edit: text and category any time; closesAt only later, and only while OPEN and before it passed (the close job moves with it). */
  async update(marketId: string, body: UpdateMarketDto): Promise<MarketDto> {
    const { market, previousClosesAt } = await this.dataSource.transaction(async (manager) => {
      const market = await MarketRepository.lockForUpdate(manager, marketId);
      const previousClosesAt = market.closesAt;
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
      return { market, previousClosesAt: extended ? previousClosesAt : undefined };
    });
    if (previousClosesAt) await this.scheduleClose(market, previousClosesAt);
    await this.listCache.invalidate();
    return toMarketDto(market, await MarketRepository.labels(this.dataSource.manager, marketId));
  }

  /** OPEN or CLOSED → RESOLVED with a winner; the `market-resolution` job then pays the winning shares. */
  resolve(marketId: string, outcome: OutcomeRef): Promise<MarketDto> {
    return this.finish(marketId, 'RESOLVED', outcome);
  }

  /** OPEN or CLOSED → CANCELLED; the `market-resolution` job then refunds every position and returns the subsidy. */
  cancel(marketId: string): Promise<MarketDto> {
    return this.finish(marketId, 'CANCELLED');
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

  private async finish(marketId: string, status: Extract<MarketStatus, 'RESOLVED' | 'CANCELLED'>, outcome?: OutcomeRef): Promise<MarketDto> {
    const { market, labels } = await commandTransaction(this.dataSource, async (manager: EntityManager) => {
      const market = await MarketRepository.lockForUpdate(manager, marketId);
      const labels = await MarketRepository.labels(manager, marketId);
      if (market.status !== 'OPEN' && market.status !== 'CLOSED') {
        throw new InvalidMarketTransition(`Market ${marketId} is already ${market.status}`, { status: market.status });
      }
      const now = new Date();
      if (market.status === 'OPEN') market.closedAt = now;
      market.status = status;
      market.resolvedOutcome = outcome === undefined ? null : resolveOutcome(labels, outcome);
      market.resolvedAt = now;
      await manager.getRepository(MarketEntity).save(market);
      // Resting orders of a market that stops trading are cancelled and their holds released with the step.
      await this.orders.cancelAllOfMarketLocked(manager, marketId);
      this.events.afterCommit(manager, { name: status === 'RESOLVED' ? MarketEvent.Resolved : MarketEvent.Cancelled, payload: toMarketStateEvent(market) });
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

