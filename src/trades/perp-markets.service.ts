import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { AdminActor } from '../admin/admin-actor';
import { AuditService } from '../admin/audit.service';
import { InvalidField } from '../common/errors/domain-error';
import { parseUsdc } from '../common/money/usdc';
import { AppConfig } from '../config/app-config';
import { PerpMarketEntity } from './perp-market.entity';
import { UnknownSymbol } from './perp-errors';

/** A symbol's trading rules (minMargin in USDC minor units). */
export interface PerpMarket {
  symbol: string;
  maxLeverage: number;
  takerFeeBps: number;
  maintenanceMarginBps: number;
  minMargin: bigint;
  halted: boolean;
  updatedAt: Date;
}

/** What an admin may change; every key optional, none null. */
export interface PerpMarketChange {
  maxLeverage?: number;
  takerFeeBps?: number;
  maintenanceMarginBps?: number;
  /** USDC decimal string. */
  minMargin?: string;
  halted?: boolean;
}

/**
 * How long an instance trusts its copy of the catalogue. A change made here drops the copy at once; a change
 * made on another instance reaches this one within the TTL.
 */
export const PERP_MARKETS_CACHE_MS = 2_000;

/**
 * The perps catalogue: which symbols trade and on what rules. Rows are created at boot from PERP_SYMBOLS with
 * the environment's defaults (an existing row keeps what admins set); reads come from a short-lived in-memory
 * copy, since every order asks.
 */
@Injectable()
export class PerpMarketsService implements OnModuleInit {
  private cache: { bySymbol: Map<string, PerpMarket>; loadedAt: number } | null = null;
  private loading: Promise<Map<string, PerpMarket>> | null = null;
  /** Bumped by every invalidation, so a load that raced a change does not cache what it read before it. */
  private generation = 0;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly audit: AuditService,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.seed();
  }

  /** Inserts the configured symbols that are missing, with the environment's defaults; concurrent boots are safe. */
  async seed(symbols: readonly string[] = this.config.perpSymbols): Promise<void> {
    const minMargin = parseUsdc(this.config.minMargin, 'MIN_MARGIN');
    for (const symbol of symbols) {
      await this.dataSource.query(
        `INSERT INTO perp_markets (symbol, max_leverage, taker_fee_bps, maintenance_margin_bps, min_margin)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (symbol) DO NOTHING`,
        [symbol, this.config.maxLeverage, this.config.takerFeeBps, this.config.maintenanceMarginBps, minMargin.toString()],
      );
    }
    this.invalidate();
  }

  /** A symbol's rules; `UnknownSymbol` (404) when the catalogue does not list it. */
  async get(symbol: string): Promise<PerpMarket> {
    const market = (await this.catalogue()).get(symbol);
    if (!market) throw new UnknownSymbol(symbol);
    return market;
  }

  /** Every symbol, by name. */
  async list(): Promise<PerpMarket[]> {
    return [...(await this.catalogue()).values()].sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
  }

  /** Admin change of a symbol's rules; with an actor, audited in the same transaction (the row as locked, and as saved). */
  async update(symbol: string, change: PerpMarketChange, actor?: AdminActor): Promise<PerpMarket> {
    for (const [key, value] of Object.entries(change)) {
      if (value === null) throw new InvalidField(key, 'must not be null (leave it out instead)');
    }
    const minMargin = change.minMargin === undefined ? undefined : parseUsdc(change.minMargin, 'minMargin');
    const updated = await this.dataSource.transaction(async (manager) => {
      const row = await manager.findOne(PerpMarketEntity, { where: { symbol }, lock: { mode: 'pessimistic_write' } });
      if (!row) throw new UnknownSymbol(symbol);
      const before = toPerpMarket(row);
      if (change.maxLeverage !== undefined) row.maxLeverage = change.maxLeverage;
      if (change.takerFeeBps !== undefined) row.takerFeeBps = change.takerFeeBps;
      if (change.maintenanceMarginBps !== undefined) row.maintenanceMarginBps = change.maintenanceMarginBps;
      if (minMargin !== undefined) row.minMargin = minMargin;
      if (change.halted !== undefined) row.halted = change.halted;
      // At entry a position's equity is its margin: leverage × maintenance must stay below 100% or it opens liquidated.
      if (row.maxLeverage * row.maintenanceMarginBps >= 10_000) {
        throw new InvalidField('maxLeverage', `× maintenanceMarginBps must stay below 10000 (got ${row.maxLeverage} × ${row.maintenanceMarginBps}); a position would open liquidated`);
      }
      const saved = await manager.save(row);
      if (actor) await this.audit.record(manager, actor, { action: 'perp.update', targetType: 'perp_market', targetId: symbol, before, after: toPerpMarket(saved) });
      return saved;
    });
    this.invalidate();
    return toPerpMarket(updated);
  }

  /** Drops this instance's copy (tests, and after a change). */
  invalidate(): void {
    this.cache = null;
    this.loading = null;
    this.generation++;
  }

  private async catalogue(): Promise<Map<string, PerpMarket>> {
    if (this.cache && Date.now() - this.cache.loadedAt < PERP_MARKETS_CACHE_MS) return this.cache.bySymbol;
    // One load at a time: a burst of orders after expiry shares one query.
    if (!this.loading) {
      const loading = this.load().finally(() => {
        if (this.loading === loading) this.loading = null;
      });
      this.loading = loading;
    }
    return this.loading;
  }

  private async load(): Promise<Map<string, PerpMarket>> {
    const loadedAt = Date.now();
    const generation = this.generation;
    const rows = await this.dataSource.manager.find(PerpMarketEntity);
    const bySymbol = new Map(rows.map((row) => [row.symbol, toPerpMarket(row)]));
    if (generation === this.generation) this.cache = { bySymbol, loadedAt };
    return bySymbol;
  }
}

function toPerpMarket(row: PerpMarketEntity): PerpMarket {
  return {
    symbol: row.symbol,
    maxLeverage: row.maxLeverage,
    takerFeeBps: row.takerFeeBps,
    maintenanceMarginBps: row.maintenanceMarginBps,
    minMargin: row.minMargin,
    halted: row.halted,
    updatedAt: row.updatedAt,
  };
}
