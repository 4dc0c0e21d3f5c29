import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { PerpPrices } from './feed/perp-prices';

/** How often each instance looks again for symbols winding down (and for ones that finished). */
export const WINDING_DOWN_REFRESH_MS = 30_000;

/**
 * Which symbols the perps venue runs. PERP_SYMBOLS are traded: they open positions and orders. A catalogue symbol
 * removed from PERP_SYMBOLS while positions or orders are still open on it is winding down: nothing new opens on
 * it (404 UnknownSymbol), but its shard keeps running and the feed keeps following it, so what is open can still
 * be read, closed and triggered (its leader cancels its pending orders, which could never fill), until nothing is
 * open on it; then its shard stops. Looked up at boot and every WINDING_DOWN_REFRESH_MS on every instance, unless
 * PERP_WIND_DOWN_ENABLED is false (then what is open on such a symbol is 409 SymbolNotTraded: no leader would answer).
 */
@Injectable()
export class PerpSymbols implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('PerpSymbols');
  private readonly traded: ReadonlySet<string>;
  private windingDown: readonly string[] = [];
  private timer?: NodeJS.Timeout;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly prices: PerpPrices,
  ) {
    this.traded = new Set(config.perpSymbols);
  }

  async onModuleInit(): Promise<void> {
    if (!this.config.perpWindDownEnabled) return;
    await this.refresh();
    this.timer = setInterval(() => void this.refresh().catch((error: Error) => this.logger.warn(`looking for symbols winding down failed: ${error.message}`)), WINDING_DOWN_REFRESH_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /** In PERP_SYMBOLS: new positions and orders may open on it. */
  isTraded(symbol: string): boolean {
    return this.traded.has(symbol);
  }

  /** Every symbol with a shard: PERP_SYMBOLS, then those winding down. */
  shards(): string[] {
    return [...this.config.perpSymbols, ...this.windingDown];
  }

  /** Catalogue symbols outside PERP_SYMBOLS with an open position or order (one index probe each). */
  async refresh(): Promise<void> {
    if (!this.config.perpWindDownEnabled) return;
    const rows = (await this.dataSource.query(
      `SELECT m.symbol FROM perp_markets AS m
        WHERE m.symbol <> ALL($1::varchar[])
          AND (EXISTS (SELECT 1 FROM perp_positions AS p WHERE p.symbol = m.symbol AND p.status = 'open')
               OR EXISTS (SELECT 1 FROM perp_orders AS o WHERE o.symbol = m.symbol AND o.status = 'open'))
        ORDER BY m.symbol`,
      [this.config.perpSymbols],
    )) as { symbol: string }[];
    const windingDown = rows.map((row) => row.symbol);
    if (windingDown.join(',') !== this.windingDown.join(',')) {
      this.logger.log(windingDown.length > 0 ? `winding down (open positions or orders, not in PERP_SYMBOLS): ${windingDown.join(', ')}` : 'no symbol winding down');
    }
    this.windingDown = windingDown;
    this.prices.follow(windingDown);
  }
}
