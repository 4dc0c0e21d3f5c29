import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Counter, Gauge } from 'prom-client';
import { DataSource, EntityManager } from 'typeorm';
import { MetricsService } from '../health/metrics.service';
import { AssetsService } from './assets.service';
import { AssetReconciliationDto, ReconciliationCheckDto, ReconciliationDto, ReconciliationMismatchDto } from './reconciliation.dto';

/** A venue's own invariant (a market pool can pay, ...), run with every reconciliation. */
export interface ReconciliationCheck {
  name: string;
  run(): Promise<{ ok: boolean; details?: unknown }>;
}

/** How far an asset's ledger is off, in asset units (from the report's decimal strings). */
function driftOf(asset: AssetReconciliationDto): number {
  let drift = Math.abs(Number(asset.sumOfEntries));
  for (const mismatch of asset.mismatches) {
    if (mismatch.type === 'cachedBalance') drift += Math.abs(Number(mismatch.cached) - Number(mismatch.entries));
    else if (mismatch.type === 'unbalancedTransaction') drift += Math.abs(Number(mismatch.entries));
  }
  return Number.isFinite(drift) ? drift : Number.MAX_VALUE;
}

/** At most this many mismatches of each type are reported per asset; one is enough to raise the alarm. */
const MISMATCH_LIMIT = 100;

interface CachedBalanceRow {
  id: string;
  asset: string;
  user_id: string | null;
  system_key: string | null;
  shard: number;
  available: string;
  locked: string;
  entries_available: string;
  entries_locked: string;
}

/**
 * Checks the ledger against itself in one snapshot: every transaction's entries sum to zero, each
 * asset's entries sum to zero, and every cached balance equals the sum of its account's entries.
 * Read-only; the admin endpoint and the 10-minute job both call `run`.
 */
@Injectable()
export class ReconciliationService {
  private readonly logger = new Logger('LedgerReconciliation');
  private readonly mismatchGauge: Gauge;
  private readonly runs: Counter;
  private readonly okGauge: Gauge;
  private readonly lastRun: Gauge;
  private readonly drift: Gauge;
  private readonly checkOk: Gauge;
  private readonly checks: ReconciliationCheck[] = [];

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly assets: AssetsService,
    metrics: MetricsService,
  ) {
    this.mismatchGauge = new Gauge({
      name: 'ledger_reconciliation_mismatches',
      help: 'Mismatches found by the last ledger reconciliation, by asset (0 when the ledger is consistent)',
      labelNames: ['asset'] as const,
      registers: [metrics.registry],
    });
    this.runs = new Counter({
      name: 'ledger_reconciliation_runs_total',
      help: 'Ledger reconciliations run, by result (ok or mismatch)',
      labelNames: ['result'] as const,
      registers: [metrics.registry],
    });
    this.okGauge = new Gauge({
      name: 'ledger_reconciliation_ok',
      help: 'Result of the last scheduled ledger reconciliation on this instance: 1 ok, 0 mismatches or a failed check (absent before the first run)',
      registers: [metrics.registry],
    });
    this.lastRun = new Gauge({
      name: 'ledger_reconciliation_last_run_timestamp_seconds',
      help: 'When the last scheduled ledger reconciliation finished on this instance (Unix seconds)',
      registers: [metrics.registry],
    });
    this.drift = new Gauge({
      name: 'ledger_reconciliation_drift',
      help: 'Drift found by the last reconciliation per asset, in asset units: |sum of all entries| plus |cached balance − entries| over the mismatched accounts reported (0 when consistent)',
      labelNames: ['asset'] as const,
      registers: [metrics.registry],
    });
    this.checkOk = new Gauge({
      name: 'ledger_reconciliation_check_ok',
      help: 'Each venue invariant of the last reconciliation (market pools, creator reserves, vaults, ...): 1 ok, 0 failed',
      labelNames: ['check'] as const,
      registers: [metrics.registry],
    });
  }

  /** Venues register their invariants here (accounts cannot import them: they depend on accounts). */
  registerCheck(check: ReconciliationCheck): void {
    this.checks.push(check);
  }

  async run(): Promise<ReconciliationDto> {
    const checkedAt = new Date().toISOString();
    const assets = await this.dataSource.transaction('REPEATABLE READ', async (manager) => {
      await manager.query('SET TRANSACTION READ ONLY');
      const codes = await this.assets.all();
      const [sums, counts, unbalanced, empty, cached] = [
        await this.sumsByAsset(manager),
        await this.accountCounts(manager),
        await this.unbalancedTransactions(manager),
        await this.emptyTransactions(manager),
        await this.cachedBalanceMismatches(manager),
      ];
      return codes.map(
        (asset): AssetReconciliationDto => ({
          asset,
          sumOfEntries: this.assets.format(asset, sums.get(asset) ?? 0n),
          accountsChecked: counts.get(asset) ?? 0,
          mismatches: [
            ...unbalanced.filter((item) => item.asset === asset).map(({ asset: _asset, ...mismatch }) => mismatch),
            ...(asset === codes[0] ? empty : []),
            ...cached.filter((row) => row.asset === asset).flatMap((row) => this.describeCachedMismatch(row)),
          ],
        }),
      );
    });
    const checks = await Promise.all(this.checks.map((check) => this.runCheck(check)));
    const ok =
      assets.every((asset) => asset.mismatches.length === 0 && /^-?0(\.0*)?$/.test(asset.sumOfEntries)) && checks.every((check) => check.ok);
    return { ok, checkedAt, assets, checks };
  }

  private async runCheck(check: ReconciliationCheck): Promise<ReconciliationCheckDto> {
    try {
      return { name: check.name, ...(await check.run()) };
    } catch (error) {
      return { name: check.name, ok: false, details: { error: (error as Error).message } };
    }
  }

  /** For the scheduled job: runs, records metrics, and logs an error naming what is wrong. */
  async runAndReport(): Promise<ReconciliationDto> {
    const report = await this.run();
    for (const asset of report.assets) {
      const sumIsZero = /^-?0(\.0*)?$/.test(asset.sumOfEntries);
      this.mismatchGauge.set({ asset: asset.asset }, asset.mismatches.length + (sumIsZero ? 0 : 1));
    }
    this.runs.inc({ result: report.ok ? 'ok' : 'mismatch' });
    this.okGauge.set(report.ok ? 1 : 0);
    this.lastRun.set(Date.now() / 1000);
    for (const asset of report.assets) this.drift.set({ asset: asset.asset }, driftOf(asset));
    for (const check of report.checks) this.checkOk.set({ check: check.name }, check.ok ? 1 : 0);
    if (!report.ok) {
      const broken = report.assets.filter((asset) => asset.mismatches.length > 0 || !/^-?0(\.0*)?$/.test(asset.sumOfEntries));
      const failedChecks = report.checks.filter((check) => !check.ok);
      this.logger.error({ msg: 'Ledger reconciliation found mismatches', assets: broken, checks: failedChecks });
    }
    return report;
  }

  private async sumsByAsset(manager: EntityManager): Promise<Map<string, bigint>> {
    const rows = (await manager.query(`SELECT asset, sum(amount) AS total FROM ledger_entries GROUP BY asset`)) as { asset: string; total: string }[];
    return new Map(rows.map((row) => [row.asset, BigInt(row.total)]));
  }

  private async accountCounts(manager: EntityManager): Promise<Map<string, number>> {
    const rows = (await manager.query(`SELECT asset, count(*)::int AS count FROM accounts GROUP BY asset`)) as { asset: string; count: number }[];
    return new Map(rows.map((row) => [row.asset, row.count]));
  }

  private async unbalancedTransactions(manager: EntityManager): Promise<(ReconciliationMismatchDto & { asset: string })[]> {
    const rows = (await manager.query(
      `SELECT transaction_id, asset, sum(amount) AS total FROM ledger_entries GROUP BY transaction_id, asset HAVING sum(amount) <> 0 LIMIT ${MISMATCH_LIMIT}`,
    )) as { transaction_id: string; asset: string; total: string }[];
    return rows.map((row) => ({
      type: 'unbalancedTransaction' as const,
      asset: row.asset,
      transactionId: row.transaction_id,
      entries: this.assets.format(row.asset, BigInt(row.total)),
    }));
  }

  private async emptyTransactions(manager: EntityManager): Promise<ReconciliationMismatchDto[]> {
    const rows = (await manager.query(
      `SELECT t.id FROM ledger_transactions t WHERE NOT EXISTS (SELECT 1 FROM ledger_entries e WHERE e.transaction_id = t.id) LIMIT ${MISMATCH_LIMIT}`,
    )) as { id: string }[];
    return rows.map((row) => ({ type: 'emptyTransaction' as const, transactionId: row.id }));
  }

  private async cachedBalanceMismatches(manager: EntityManager): Promise<CachedBalanceRow[]> {
    return manager.query(
      `SELECT a.id, a.asset, a.user_id, a.system_key, a.shard, a.available, a.locked,
              coalesce(s.available, 0) AS entries_available, coalesce(s.locked, 0) AS entries_locked
         FROM accounts a
         LEFT JOIN (
           SELECT account_id,
                  sum(amount) FILTER (WHERE bucket = 'available') AS available,
                  sum(amount) FILTER (WHERE bucket = 'locked') AS locked
             FROM ledger_entries GROUP BY account_id
         ) s ON s.account_id = a.id
        WHERE a.available <> coalesce(s.available, 0) OR a.locked <> coalesce(s.locked, 0)
        LIMIT ${MISMATCH_LIMIT}`,
    );
  }

  private describeCachedMismatch(row: CachedBalanceRow): ReconciliationMismatchDto[] {
    const owner = row.user_id ? `user:${row.user_id}` : `system:${row.system_key}#${row.shard}`;
    return (['available', 'locked'] as const)
      .filter((bucket) => BigInt(row[bucket]) !== BigInt(row[`entries_${bucket}`]))
      .map((bucket) => ({
        type: 'cachedBalance' as const,
        accountId: row.id,
        owner,
        bucket,
        cached: this.assets.format(row.asset, BigInt(row[bucket])),
        entries: this.assets.format(row.asset, BigInt(row[`entries_${bucket}`])),
      }));
  }
}
