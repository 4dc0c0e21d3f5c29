import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Gauge } from 'prom-client';
import { DataSource } from 'typeorm';
import { OnDomainEvent, type DomainEventPayload } from '../common/events/on-domain-event.decorator';
import { MetricsService } from '../health/metrics.service';
import { VenueMetrics, type OpenInterest, type VenueLabel } from '../health/venue-metrics';
import { AssetsService } from './assets.service';

/** System accounts whose balances are money at stake in a venue, by key prefix. */
const STAKE_ACCOUNTS: { prefix: string; venue: VenueLabel }[] = [
  { prefix: 'market-pool:', venue: 'prediction' },
  { prefix: 'round-pot:', venue: 'rounds' },
  { prefix: 'creator-reserve:', venue: 'creators' },
];
const CACHE_MS = 15000;

interface BalanceRow {
  kind: string;
  asset: string;
  total: string;
}

/**
 * What the ledger tells the metrics: open interest of the venues whose stakes sit in system accounts (pools,
 * pots, reserves), the house account's balance, and the house's P&L per venue as postings commit.
 */
@Injectable()
export class LedgerMetrics implements OnModuleInit {
  private cached?: { at: number; rows: Promise<BalanceRow[]> };

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly assets: AssetsService,
    private readonly venues: VenueMetrics,
    metrics: MetricsService,
  ) {
    const read = () => this.balances();
    const toUnits = (row: BalanceRow) => this.units(row);
    new Gauge({
      name: 'ledger_house_balance',
      help: 'Balance of the house account (all its shards) per asset, in asset units: what the house has won net since it began; read at scrape (cached 15 s)',
      labelNames: ['asset'] as const,
      registers: [metrics.registry],
      async collect() {
        // A failed read keeps the last value: a scrape must not fail because PostgreSQL is slow.
        const rows = await read().catch(() => null);
        if (!rows) return;
        this.reset();
        for (const row of rows) if (row.kind === 'house') this.set({ asset: row.asset }, toUnits(row));
      },
    });
  }

  onModuleInit(): void {
    this.venues.reportOpenInterest(async () =>
      (await this.balances()).flatMap((row): OpenInterest[] => {
        const stake = STAKE_ACCOUNTS.find((account) => `${row.kind}:` === account.prefix);
        return stake ? [{ venue: stake.venue, asset: row.asset, value: this.units(row) }] : [];
      }),
    );
  }

  @OnDomainEvent('ledger.house-moved')
  onHouseMoved(event: DomainEventPayload<'ledger.house-moved'>): void {
    this.venues.houseMoved(event.venue, event.asset, Number(event.amount));
  }

  private units(row: BalanceRow): number {
    try {
      return Number(this.assets.format(row.asset, BigInt(row.total)));
    } catch {
      return 0;
    }
  }

  /** One read of the accounts table for every gauge, at most every 15 s. */
  private balances(): Promise<BalanceRow[]> {
    const now = Date.now();
    if (this.cached && now - this.cached.at < CACHE_MS) return this.cached.rows;
    const rows = this.dataSource
      .query(
        `SELECT split_part(system_key, ':', 1) AS kind, asset, sum(available + locked)::text AS total
           FROM accounts
          WHERE system_key = 'house' OR ${STAKE_ACCOUNTS.map((_, index) => `system_key LIKE $${index + 1}`).join(' OR ')}
          GROUP BY 1, 2`,
        STAKE_ACCOUNTS.map((account) => `${account.prefix}%`),
      )
      .then(async (result: BalanceRow[]) => {
        for (const asset of new Set(result.map((row) => row.asset))) await this.assets.decimals(asset);
        return result;
      })
      .catch((error: unknown) => {
        this.cached = undefined;
        throw error;
      });
    this.cached = { at: now, rows };
    return rows;
  }
}
