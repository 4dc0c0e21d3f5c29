import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AccountRef, LedgerService, Movement, SystemAccount } from '../accounts/ledger.service';
import { DomainEventBus } from '../common/events/domain-event-bus';
import { formatUsdc } from '../common/money/usdc';
import { AppConfig } from '../config/app-config';
import { MarketEvent } from './markets.events';
import { cancellationRefund, cancellationSettlement, resolutionPayout } from './amm';
import { MarketEntity } from './market.entity';
import { MarketRepository, poolOf } from './market.repository';
import { MarketListCache } from './market-list.cache';
import { toMarketStateEvent } from './market.mapper';

interface UnsettledRow {
  id: string;
  user_id: string;
  shares: string[];
  paid: string;
  received: string;
}

export interface SettlementProgress {
  /** Positions marked settled by this call. */
  positionsSettled: number;
  /** Every position paid and the pool's remainder returned to the funder. */
  done: boolean;
  /** This step topped up a cancelled market's pool (it pays nobody but is progress). */
  funded?: boolean;
}

/**
 * Pays out a RESOLVED or CANCELLING market in batches (a CANCELLING one becomes CANCELLED with its last step). Each batch is one transaction that locks the market
 * row, takes up to MARKET_SETTLEMENT_BATCH_SIZE positions whose `settled_at` is still null, pays them in one
 * ledger posting and marks them settled: payment and marker commit together, so a crash between batches
 * (or a second worker) resumes with the positions not yet paid and nobody is paid twice.
 *
 * Cancellation first tops the pool up in its own transaction (marked by `settlement_funded_at`): the pool
 * lacks the fees (refunded too) and what sellers took out above their cost. The market's platform fees are
 * reversed from `fees`; the house covers the rest (the creator's fee share and the profit sellers took).
 * Last, whatever the pool still holds returns to the funder (the subsidy's remainder), and the pool is zero;
 * on a cancelled market the same transaction claws the creator's fee share back to the house.
 */
@Injectable()
export class MarketSettlementService {
  private readonly logger = new Logger('MarketSettlement');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly ledger: LedgerService,
    private readonly config: AppConfig,
    private readonly listCache: MarketListCache,
    private readonly events: DomainEventBus,
  ) {}

  /** Runs to the end (the `market-resolution` job). Safe to run again or in parallel: it only pays what is unpaid. */
  async settle(marketId: string): Promise<SettlementProgress> {
    let positionsSettled = 0;
    for (;;) {
      const step = await this.settleNextBatch(marketId);
      positionsSettled += step.positionsSettled;
      if (step.done || (step.positionsSettled === 0 && !step.funded)) return { positionsSettled, done: step.done };
    }
  }

  /** One transaction: funding (cancellation, once), or one batch of positions, or the final return to the funder. */
  async settleNextBatch(marketId: string): Promise<SettlementProgress> {
    const progress = await this.dataSource.transaction(async (manager): Promise<SettlementProgress> => {
      const market = await MarketRepository.lockForUpdate(manager, marketId);
      if (market.settledAt) return { positionsSettled: 0, done: true };
      if (market.status !== 'RESOLVED' && market.status !== 'CANCELLING') {
        throw new Error(`Market ${marketId} is ${market.status}; only RESOLVED or CANCELLING markets settle`);
      }
      if (market.status === 'CANCELLING' && !market.settlementFundedAt) {
        await this.fundCancellation(manager, market);
        return { positionsSettled: 0, done: false, funded: true };
      }
      const positionsSettled = await this.payBatch(manager, market);
      if (positionsSettled > 0) return { positionsSettled, done: false };
      await this.returnRemainder(manager, market);
      return { positionsSettled: 0, done: true };
    });
    if (progress.done) await this.listCache.invalidate();
    return progress;
  }

  private async fundCancellation(manager: EntityManager, market: MarketEntity): Promise<void> {
    const [sums] = (await manager.query(
      `SELECT coalesce(sum(greatest(paid - received, 0)), 0) AS refunds FROM market_positions WHERE market_id = $1`,
      [market.id],
    )) as { refunds: string }[];
    const poolBalance = await this.ledger.systemBalance(manager, poolOf(market.id));
    const { topUp } = cancellationSettlement({ poolBalance, subsidy: market.subsidy, totalRefunds: BigInt(sums.refunds) });
    const feesReversed = topUp < market.platformFees ? topUp : market.platformFees;
    const fromHouse = topUp - feesReversed;
    const movements: Movement[] = [
      { account: SystemAccount.fees, bucket: 'available' as const, amount: -feesReversed },
      { account: SystemAccount.house, bucket: 'available' as const, amount: -fromHouse },
      { account: poolOf(market.id), bucket: 'available' as const, amount: topUp },
    ].filter((movement) => movement.amount !== 0n);
    if (movements.length > 0) {
      await this.ledger.post(manager, {
        kind: 'market.cancel.funding',
        reference: `market:${market.id}`,
        idempotencyKey: `market-cancel-funding:${market.id}`,
        movements,
      });
    }
    await manager.query(`UPDATE markets SET settlement_funded_at = now(), updated_at = now() WHERE id = $1`, [market.id]);
  }

  private async payBatch(manager: EntityManager, market: MarketEntity): Promise<number> {
    const rows = (await manager.query(
      `SELECT id, user_id, shares, paid, received FROM market_positions
        WHERE market_id = $1 AND settled_at IS NULL ORDER BY id LIMIT $2 FOR UPDATE`,
      [market.id, this.config.marketSettlementBatchSize],
    )) as UnsettledRow[];
    if (rows.length === 0) return 0;
    const amounts = rows.map((row) =>
      market.status === 'RESOLVED'
        ? resolutionPayout({ shares: row.shares.map(BigInt) }, market.resolvedOutcome!)
        : cancellationRefund({ paid: BigInt(row.paid), received: BigInt(row.received) }),
    );
    const total = amounts.reduce((sum, amount) => sum + amount, 0n);
    if (total > 0n) {
      const movements: Movement[] = [{ account: poolOf(market.id), bucket: 'available', amount: -total }];
      rows.forEach((row, index) => {
        if (amounts[index] > 0n) movements.push({ account: { userId: row.user_id }, bucket: 'available', amount: amounts[index] });
      });
      const posted = await this.ledger.post(manager, {
        kind: market.status === 'RESOLVED' ? 'market.payout' : 'market.refund',
        reference: `market:${market.id}`,
        // The batch is identified by its first unpaid position: if it committed, that position is settled and never selected again.
        idempotencyKey: `market-settlement:${market.id}:${rows[0].id}`,
        movements,
      });
      // A replay would mean a committed payment whose positions are not marked: never mark them paid without paying.
      if (posted.replayed) throw new Error(`Settlement batch of market ${market.id} starting at position ${rows[0].id} was already posted`);
    }
    await manager.query(
      `UPDATE market_positions AS p SET settled_at = now(), settlement_amount = v.amount, updated_at = now()
         FROM unnest($1::uuid[], $2::numeric[]) AS v(id, amount) WHERE p.id = v.id`,
      [rows.map((row) => row.id), amounts.map(String)],
    );
    await this.recordSettled(manager, market, rows, amounts);
    return rows.length;
  }

  /** Tells (after commit) what each holder of the batch got: those holding shares, or refunded something. */
  private async recordSettled(manager: EntityManager, market: MarketEntity, rows: UnsettledRow[], amounts: bigint[]): Promise<void> {
    const payments = rows
      .map((row, index) => ({ row, amount: amounts[index] }))
      .filter(({ row, amount }) => amount > 0n || row.shares.some((shares) => BigInt(shares) > 0n))
      .map(({ row, amount }) => ({ userId: row.user_id, amount: formatUsdc(amount) }));
    if (payments.length === 0) return;
    let resolvedOutcomeLabel: string | null = null;
    if (market.status === 'RESOLVED') {
      const [outcome] = (await manager.query(`SELECT label FROM market_outcomes WHERE market_id = $1 AND index = $2`, [market.id, market.resolvedOutcome])) as { label: string }[];
      resolvedOutcomeLabel = outcome?.label ?? null;
    }
    this.events.afterCommit(manager, {
      name: MarketEvent.PositionsSettled,
      payload: {
        marketId: market.id,
        question: market.question,
        status: market.status === 'RESOLVED' ? 'RESOLVED' : 'CANCELLED',
        resolvedOutcome: market.resolvedOutcome,
        resolvedOutcomeLabel,
        payments,
      },
    });
  }

  /** Everything left in the pool goes to whoever funded the subsidy; the pool ends at zero. */
  private async returnRemainder(manager: EntityManager, market: MarketEntity): Promise<void> {
    const remainder = await this.ledger.systemBalance(manager, poolOf(market.id));
    if (remainder < 0n) throw new Error(`Pool of market ${market.id} is negative (${remainder}) after settlement`);
    if (remainder > 0n) {
      const funder: AccountRef = market.funderUserId ? { userId: market.funderUserId } : SystemAccount.house;
      await this.ledger.transfer(manager, poolOf(market.id), funder, remainder, {
        kind: 'market.subsidy.return',
        reference: `market:${market.id}`,
        idempotencyKey: `market-subsidy-return:${market.id}`,
      });
    }
    const cancelled = market.status === 'CANCELLING';
    const clawedBack = cancelled ? await this.clawBackCreatorFees(manager, market) : 0n;
    // The last step of a cancellation: only now, with every refund paid, is the market CANCELLED.
    const status = cancelled ? 'CANCELLED' : market.status;
    await manager.query(`UPDATE markets SET settled_at = now(), status = $3, creator_fees_clawed_back = $2, updated_at = now() WHERE id = $1`, [
      market.id,
      clawedBack.toString(),
      status,
    ]);
    if (cancelled) {
      market.status = 'CANCELLED';
      this.events.afterCommit(manager, { name: MarketEvent.Cancelled, payload: toMarketStateEvent(market) });
    }
    this.events.afterCommit(manager, { name: MarketEvent.Settled, payload: { marketId: market.id, status: cancelled ? 'CANCELLED' : 'RESOLVED' } });
    this.logger.log(`market ${market.id} settled (${market.status}); ${remainder} returned to the funder`);
  }

  /**
   * Cancellation: the creator's fee share was paid on trades that were all refunded, and the house fronted it
   * again in the funding step; otherwise a creator expecting a cancel could trade through their own market for
   * free at the house's cost. So it comes back from the creator to the house, as far as their available balance
   * allows (after their subsidy and refunds came back); the house covers the rest (`creator_fees - clawed back`).
   */
  private async clawBackCreatorFees(manager: EntityManager, market: MarketEntity): Promise<bigint> {
    if (!market.creatorId || market.creatorFees === 0n) return 0n;
    const { amount: clawedBack } = await this.ledger.transferAvailable(manager, { userId: market.creatorId }, SystemAccount.house, market.creatorFees, {
      kind: 'market.cancel.creator-fee-clawback',
      reference: `market:${market.id}`,
      idempotencyKey: `market-creator-fee-clawback:${market.id}`,
      memoFor: (clawedBack) => `creator fee share ${market.creatorFees}: ${clawedBack} clawed back, ${market.creatorFees - clawedBack} covered by the house`,
    });
    const houseCovers = market.creatorFees - clawedBack;
    if (houseCovers > 0n) this.logger.warn(`market ${market.id}: creator fee share ${houseCovers} not recoverable from creator ${market.creatorId}; the house covers it`);
    return clawedBack;
  }
}
