import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { LedgerService, Movement } from '../accounts/ledger.service';
import { DomainEventBus } from '../common/events/domain-event-bus';
import { formatUsdc } from '../common/money/usdc';
import { AppConfig } from '../config/app-config';
import { CreatorAccounts } from './creators.accounts';
import { PeriodNotEnded } from './creator-errors';
import { CreatorSharesService } from './creator-shares.service';
import { CreatorEvent } from './creators.events';
import { formatPeriod, periodEndOf } from './dividend-periods';
import { splitDividend } from './dividend-split';

/** Creators whose pools are looked up at once. */
const CREATOR_PAGE = 1000;
/** Holder rows written per statement when a dividend is funded. */
const INSERT_CHUNK = 10_000;
const NO_ID = '00000000-0000-0000-0000-000000000000';

export interface DividendRunSummary {
  period: string;
  creatorsPaid: number;
  holdersPaid: number;
  /** Minor units paid by this run (0 on a rerun of a finished period). */
  amountPaid: bigint;
}

/**
 * Pays each creator's dividend pool of a period to the holders of record at its end, keyed by (creator, period):
 *
 * 1. Close: every creator's cursor moves to the period (waiting for trades that share-lock it), so from then on
 *    no fee lands in that period's pools and no trade counts in it: pools and holders of record are final.
 * 2. Fund, per creator with a non-empty pool: in one transaction the holders of record (today's holdings less what
 *    changed in later periods) and each one's part (`splitDividend`, exact) are written as unpaid payments.
 * 3. Pay in batches of DIVIDEND_BATCH_SIZE holders in user id order: one transaction each posts the pool → holders and
 *    moves the dividend's `paid_through` past them, so a crash resumes after the last paid holder and a rerun pays nobody.
 */
@Injectable()
export class CreatorDividendsService {
  private readonly logger = new Logger('CreatorDividends');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly ledger: LedgerService,
    private readonly events: DomainEventBus,
    private readonly shares: CreatorSharesService,
    private readonly config: AppConfig,
  ) {}

  assertEnded(period: Date, now: Date = new Date()): void {
    const endsAt = periodEndOf(period, this.config.creators.dividendPeriodSeconds);
    if (endsAt.getTime() > now.getTime()) {
      throw new PeriodNotEnded(`Dividend period ${formatPeriod(period)} ends at ${endsAt.toISOString()}; its holders of record are not known yet`, {
        endsAt: endsAt.toISOString(),
      });
    }
  }

  /** The whole job for one period (the `dividends` queue). Safe to run again or in parallel: it pays only the unpaid. */
  async runPeriod(period: Date): Promise<DividendRunSummary> {
    this.assertEnded(period);
    await this.close(period);
    const summary: DividendRunSummary = { period: formatPeriod(period), creatorsPaid: 0, holdersPaid: 0, amountPaid: 0n };
    for (let after = NO_ID; ; ) {
      const page = (await this.dataSource.query(
        `SELECT m.creator_id, d.creator_id IS NOT NULL AS funded
           FROM creator_share_markets m LEFT JOIN creator_dividends d ON d.creator_id = m.creator_id AND d.period = $2
          WHERE m.creator_id > $1 AND (d.creator_id IS NULL OR d.paid_at IS NULL)
          ORDER BY m.creator_id LIMIT $3`,
        [after, period, CREATOR_PAGE],
      )) as { creator_id: string; funded: boolean }[];
      if (page.length === 0) break;
      after = page[page.length - 1].creator_id;
      const pools = await this.ledger.systemBalances(
        this.dataSource.manager,
        page.map((row) => CreatorAccounts.dividendPool(row.creator_id, period)),
      );
      for (const row of page) {
        if (!row.funded && pools.get(CreatorAccounts.dividendPool(row.creator_id, period).system)! <= 0n) continue;
        const paid = await this.payCreator(row.creator_id, period);
        if (paid.holders > 0) summary.creatorsPaid += 1;
        summary.holdersPaid += paid.holders;
        summary.amountPaid += paid.amount;
      }
    }
    await this.dataSource.query(`UPDATE creator_dividend_runs SET finished_at = coalesce(finished_at, now()) WHERE period = $1`, [period]);
    this.logger.log(`dividends of ${summary.period}: ${formatUsdc(summary.amountPaid)} USDC to ${summary.holdersPaid} holders of ${summary.creatorsPaid} creators`);
    return summary;
  }

  /** Step 1: no trade or fee counts in `period` any more, for any creator. */
  async close(period: Date): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await manager.query(`INSERT INTO creator_dividend_runs (period) VALUES ($1) ON CONFLICT (period) DO NOTHING`, [period]);
      await manager.query(`UPDATE creator_dividend_cursors SET closed_through = $1 WHERE closed_through IS NULL OR closed_through < $1`, [period]);
    });
  }

  /** Steps 2 and 3 for one creator: funds the dividend once, then pays every unpaid holder. What this call paid. */
  async payCreator(creatorId: string, period: Date): Promise<{ holders: number; amount: bigint }> {
    await this.fund(creatorId, period);
    let holders = 0;
    let amount = 0n;
    for (;;) {
      const batch = await this.payBatch(creatorId, period);
      if (batch.holders === 0) break;
      holders += batch.holders;
      amount += batch.amount;
    }
    await this.finish(creatorId, period);
    return { holders, amount };
  }

  /** The pool and its holders of record become the dividend's unpaid payments, once (a second call finds the row). */
  private async fund(creatorId: string, period: Date): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      // Two workers funding the same dividend queue here; the second then finds it funded.
      await manager.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`creator-dividend:${creatorId}:${period.getTime()}`]);
      const [existing] = (await manager.query(`SELECT 1 FROM creator_dividends WHERE creator_id = $1 AND period = $2`, [creatorId, period])) as unknown[];
      if (existing) return;
      const pool = await this.ledger.systemBalance(manager, CreatorAccounts.dividendPool(creatorId, period));
      if (pool <= 0n) return;
      const holders = await this.holdersOfRecord(manager, creatorId, period);
      const parts = splitDividend(pool, holders);
      const totalShares = holders.reduce((sum, holder) => sum + holder.shares, 0n);
      await manager.query(`INSERT INTO creator_dividends (creator_id, period, amount, total_shares, holders) VALUES ($1, $2, $3, $4, $5)`, [
        creatorId,
        period,
        pool.toString(),
        totalShares.toString(),
        parts.length,
      ]);
      for (let start = 0; start < parts.length; start += INSERT_CHUNK) {
        const chunk = parts.slice(start, start + INSERT_CHUNK);
        await manager.query(
          `INSERT INTO creator_dividend_payments (creator_id, period, user_id, shares, amount)
           SELECT $1, $2, v.user_id, v.shares, v.amount FROM unnest($3::uuid[], $4::bigint[], $5::numeric[]) AS v(user_id, shares, amount)`,
          [creatorId, period, chunk.map((part) => part.userId), chunk.map((part) => part.shares.toString()), chunk.map((part) => part.amount.toString())],
        );
      }
    });
  }

  /**
   * Holdings at the end of `period`: today's holdings less every change counted in a later period, in one
   * statement (one snapshot), so trades committing meanwhile are either in both terms or in neither.
   */
  private async holdersOfRecord(manager: EntityManager, creatorId: string, period: Date): Promise<{ userId: string; shares: bigint }[]> {
    const rows = (await manager.query(
      `SELECT h.user_id, (h.shares - coalesce(later.delta, 0))::text AS shares
         FROM creator_share_holdings h
         LEFT JOIN (
           SELECT user_id, sum(CASE WHEN side = 'sell' THEN -shares ELSE shares END) AS delta
             FROM creator_share_trades WHERE creator_id = $1 AND period > $2 GROUP BY user_id
         ) later ON later.user_id = h.user_id
        WHERE h.creator_id = $1 AND h.shares - coalesce(later.delta, 0) > 0
        ORDER BY h.user_id`,
      [creatorId, period],
    )) as { user_id: string; shares: string }[];
    return rows.map((row) => ({ userId: row.user_id, shares: BigInt(row.shares) }));
  }

  /**
   * Step 3, one transaction: the dividend row locked (one batch at a time), the next DIVIDEND_BATCH_SIZE parts after
   * `paid_through` paid from the pool in one posting, and `paid_through` moved to the last of them, together.
   */
  private async payBatch(creatorId: string, period: Date): Promise<{ holders: number; amount: bigint }> {
    return this.dataSource.transaction(async (manager) => {
      const [dividend] = (await manager.query(`SELECT paid_through FROM creator_dividends WHERE creator_id = $1 AND period = $2 FOR UPDATE`, [
        creatorId,
        period,
      ])) as { paid_through: string | null }[];
      if (!dividend) return { holders: 0, amount: 0n };
      const rows = (await manager.query(
        `SELECT user_id, shares, amount FROM creator_dividend_payments
          WHERE creator_id = $1 AND period = $2 AND user_id > $3 ORDER BY user_id LIMIT $4`,
        [creatorId, period, dividend.paid_through ?? NO_ID, this.config.creators.dividendBatchSize],
      )) as { user_id: string; shares: string; amount: string }[];
      if (rows.length === 0) return { holders: 0, amount: 0n };
      const total = rows.reduce((sum, row) => sum + BigInt(row.amount), 0n);
      if (total > 0n) {
        const movements: Movement[] = [{ account: CreatorAccounts.dividendPool(creatorId, period), bucket: 'available', amount: -total }];
        for (const row of rows) if (BigInt(row.amount) > 0n) movements.push({ account: { userId: row.user_id }, bucket: 'available', amount: BigInt(row.amount) });
        const posted = await this.ledger.post(manager, {
          kind: 'creator.dividend',
          reference: `creator:${creatorId}`,
          // The batch is named by its first holder: once it committed, paid_through is past that holder and it is never selected again.
          idempotencyKey: `creator-dividend:${creatorId}:${Math.floor(period.getTime() / 1000)}:${rows[0].user_id}`,
          memo: `dividend of ${formatPeriod(period)}`,
          movements,
        });
        // A replay would mean a committed payment whose holders are not marked: never mark them paid without paying.
        if (posted.replayed) throw new Error(`Dividend batch of creator ${creatorId} for ${formatPeriod(period)} starting at ${rows[0].user_id} was already posted`);
      }
      await manager.query(`UPDATE creator_dividends SET paid_through = $3, holders_paid = holders_paid + $4 WHERE creator_id = $1 AND period = $2`, [
        creatorId,
        period,
        rows[rows.length - 1].user_id,
        rows.length,
      ]);
      this.events.afterCommit(manager, {
        name: CreatorEvent.DividendsPaid,
        payload: {
          creatorId,
          period: formatPeriod(period),
          payments: rows.map((row) => ({ userId: row.user_id, shares: Number(row.shares), amount: formatUsdc(BigInt(row.amount)) })),
        },
      });
      return { holders: rows.length, amount: total };
    });
  }

  /** Once every holder is paid: the dividend is marked paid and counted in the creator's total, once. */
  private async finish(creatorId: string, period: Date): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const done = (await manager.query(
        `WITH done AS (
           UPDATE creator_dividends SET paid_at = now() WHERE creator_id = $1 AND period = $2 AND paid_at IS NULL AND holders_paid = holders
           RETURNING amount
         ) SELECT amount FROM done`,
        [creatorId, period],
      )) as { amount: string }[];
      if (done.length === 0) return;
      await manager.query(`UPDATE creator_share_markets SET dividends_paid = dividends_paid + $2, updated_at = now() WHERE creator_id = $1`, [creatorId, done[0].amount]);
      const state = await this.shares.stateOf(manager, creatorId);
      if (state) this.events.afterCommit(manager, { name: CreatorEvent.Updated, payload: state });
    });
  }
}
