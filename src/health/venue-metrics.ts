import { Injectable, Logger } from '@nestjs/common';
import { Counter, Gauge } from 'prom-client';
import { OnDomainEvent } from '../common/events/on-domain-event.decorator';
import type { DomainEventPayload } from '../common/events/on-domain-event.decorator';
import { MetricsService } from './metrics.service';

/** The venues as metric labels. */
export type VenueLabel = 'perps' | 'prediction' | 'rounds' | 'creators';

export interface OpenInterest {
  venue: VenueLabel;
  asset: string;
  /** In units of the asset (USDC, not minor units): a gauge value, not money to compute with. */
  value: number;
}

/** Scrapes within this long share one read of the open-interest sources (each a query). */
const OPEN_INTEREST_CACHE_MS = 15000;
const OPEN_INTEREST_TIMEOUT_MS = 2000;

function units(decimal: string): number {
  const value = Number(decimal);
  return Number.isFinite(value) ? value : 0;
}

/**
 * Per-venue trading metrics. Trades and volume are counted from each venue's committed trade events (so a
 * rolled-back command counts nothing), on the instance that committed them: `sum by (venue)` across instances.
 * Open interest is read at scrape from sources the venues register (their own tables, or the ledger's pool
 * accounts), cached for 15 s.
 */
@Injectable()
export class VenueMetrics {
  private readonly logger = new Logger(VenueMetrics.name);
  private readonly trades: Counter<'venue'>;
  private readonly volume: Counter<'venue'>;
  private readonly housePnl: Gauge<'venue' | 'asset'>;
  private readonly sources: (() => Promise<OpenInterest[]>)[] = [];
  private cached?: { at: number; value: Promise<OpenInterest[]> };

  constructor(metrics: MetricsService) {
    const registers = [metrics.registry];
    this.trades = new Counter({
      name: 'venue_trades_total',
      help: 'Committed trades per venue: perps position opens and closes (triggers included), prediction-market fills, round position opens/closes and side bets, creator share buys/sells',
      labelNames: ['venue'] as const,
      registers,
    });
    this.volume = new Counter({
      name: 'venue_volume_usdc_total',
      help: 'USDC traded per venue (perps: notional; prediction markets: amount paid or received; rounds: stake; creators: share value)',
      labelNames: ['venue'] as const,
      registers,
    });
    this.housePnl = new Gauge({
      name: 'venue_house_pnl_usdc',
      help: 'Net amount the house account gained (negative: paid) from each venue’s committed postings since this process started; sum across instances, use delta()/increase() over a window',
      labelNames: ['venue', 'asset'] as const,
      registers,
    });
    const read = () => this.openInterest();
    new Gauge({
      name: 'venue_open_interest_usdc',
      help: 'Money at stake in open positions per venue: perps open notional, prediction-market pool balances, round pots, creator reserves; read at scrape (cached 15 s)',
      labelNames: ['venue', 'asset'] as const,
      registers,
      async collect() {
        const values = await read();
        this.reset();
        for (const { venue, asset, value } of values) this.set({ venue, asset }, value);
      },
    });
  }

  /** A venue's open interest, read at scrape time (at most every 15 s). */
  reportOpenInterest(source: () => Promise<OpenInterest[]>): void {
    this.sources.push(source);
  }

  /** Called by the ledger after a commit, with the house account's net movement per venue of that transaction. */
  houseMoved(venue: VenueLabel, asset: string, amount: number): void {
    this.housePnl.inc({ venue, asset }, amount);
  }

  recordTrades(venue: VenueLabel, count: number, volume: string): void {
    this.trades.inc({ venue }, count);
    this.volume.inc({ venue }, Math.abs(units(volume)));
  }

  @OnDomainEvent('market.traded')
  onMarketTraded(event: DomainEventPayload<'market.traded'>): void {
    this.recordTrades('prediction', 1, event.amount);
  }

  @OnDomainEvent('round.trade')
  onRoundTrade(event: DomainEventPayload<'round.trade'>): void {
    this.recordTrades('rounds', 1, event.trade.amount);
  }

  @OnDomainEvent('creator.traded')
  onCreatorTraded(event: DomainEventPayload<'creator.traded'>): void {
    this.recordTrades('creators', 1, event.value);
  }

  @OnDomainEvent('perp.traded')
  onPerpTraded(event: DomainEventPayload<'perp.traded'>): void {
    this.recordTrades('perps', event.trades, event.notional);
  }

  private openInterest(): Promise<OpenInterest[]> {
    const now = Date.now();
    if (this.cached && now - this.cached.at < OPEN_INTEREST_CACHE_MS) return this.cached.value;
    const value = Promise.all(
      this.sources.map((source) =>
        Promise.race([
          source(),
          new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`timed out after ${OPEN_INTEREST_TIMEOUT_MS} ms`)), OPEN_INTEREST_TIMEOUT_MS).unref()),
        ]).catch((error: unknown) => {
          this.logger.warn(`open interest not read: ${(error as Error).message}`);
          this.cached = undefined;
          return [] as OpenInterest[];
        }),
      ),
    ).then((lists) => lists.flat());
    this.cached = { at: now, value };
    return value;
  }
}
