import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { LedgerService } from '../accounts/ledger.service';
import { ReconciliationService } from '../accounts/reconciliation.service';
import { formatUsdc } from '../common/money/usdc';
import { AppConfig } from '../config/app-config';
import { CreatorAccounts } from './creators.accounts';
import { reserveFor } from './creator-curve';
import { curveRulesOf } from './creator-rules';

/** At most this many violations are listed; one is enough to raise the alarm. */
const VIOLATION_LIMIT = 100;

/**
 * Adds two invariants to the ledger reconciliation, read in one snapshot:
 * `creatorReserves`: every creator's reserve holds exactly V(supply) − V(1), and their holdings add up to the supply;
 * `creatorDividends`: every funded dividend's pool holds exactly what its unpaid holders are still owed.
 */
@Injectable()
export class CreatorReservesReconciliation implements OnModuleInit {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly reconciliation: ReconciliationService,
    private readonly ledger: LedgerService,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.reconciliation.registerCheck({ name: 'creatorReserves', run: () => this.checkReserves() });
    this.reconciliation.registerCheck({ name: 'creatorDividends', run: () => this.checkDividends() });
  }

  checkReserves(): Promise<{ ok: boolean; details: unknown }> {
    const divisor = curveRulesOf(this.config).divisor;
    return this.dataSource.transaction('REPEATABLE READ', async (manager) => {
      const rows = (await manager.query(
        `SELECT m.creator_id, m.supply, coalesce(sum(h.shares), 0)::text AS held
           FROM creator_share_markets m LEFT JOIN creator_share_holdings h ON h.creator_id = m.creator_id
          GROUP BY m.creator_id, m.supply`,
      )) as { creator_id: string; supply: string; held: string }[];
      const balances = await this.ledger.systemBalances(
        manager,
        rows.map((row) => CreatorAccounts.reserve(row.creator_id)),
      );
      const violations = rows.flatMap((row) => {
        const required = reserveFor(BigInt(row.supply), divisor);
        const reserve = balances.get(CreatorAccounts.reserve(row.creator_id).system)!;
        if (reserve === required && row.held === row.supply) return [];
        return [{ creatorId: row.creator_id, supply: Number(row.supply), sharesHeld: Number(row.held), reserve: formatUsdc(reserve), required: formatUsdc(required) }];
      });
      return { ok: violations.length === 0, details: { creatorsChecked: rows.length, violations: violations.slice(0, VIOLATION_LIMIT) } };
    });
  }

  checkDividends(): Promise<{ ok: boolean; details: unknown }> {
    return this.dataSource.transaction('REPEATABLE READ', async (manager) => {
      const rows = (await manager.query(
        `SELECT d.creator_id, d.period, d.amount,
                coalesce((SELECT sum(p.amount) FROM creator_dividend_payments p WHERE p.creator_id = d.creator_id AND p.period = d.period), 0)::text AS parts,
                coalesce((SELECT sum(p.amount) FROM creator_dividend_payments p WHERE p.creator_id = d.creator_id AND p.period = d.period
                           AND p.user_id > coalesce(d.paid_through, '00000000-0000-0000-0000-000000000000')), 0)::text AS unpaid
           FROM creator_dividends d WHERE d.paid_at IS NULL OR d.paid_at > now() - interval '2 days'`,
      )) as { creator_id: string; period: Date; amount: string; parts: string; unpaid: string }[];
      const balances = await this.ledger.systemBalances(
        manager,
        rows.map((row) => CreatorAccounts.dividendPool(row.creator_id, row.period)),
      );
      const violations = rows.flatMap((row) => {
        const pool = balances.get(CreatorAccounts.dividendPool(row.creator_id, row.period).system)!;
        if (row.parts === row.amount && pool === BigInt(row.unpaid)) return [];
        return [{ creatorId: row.creator_id, period: row.period.toISOString(), amount: formatUsdc(BigInt(row.amount)), parts: formatUsdc(BigInt(row.parts)), pool: formatUsdc(pool), owed: formatUsdc(BigInt(row.unpaid)) }];
      });
      return { ok: violations.length === 0, details: { dividendsChecked: rows.length, violations: violations.slice(0, VIOLATION_LIMIT) } };
    });
  }
}
