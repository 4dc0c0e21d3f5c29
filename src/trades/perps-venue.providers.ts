import { Injectable, OnModuleInit, Provider } from '@nestjs/common';
import { VenueEngine } from '../engine/venue-engine.service';
import { UnknownSymbol } from './perp-errors';
import { PerpMarketsService } from './perp-markets.service';
import { PerpSymbols } from './perp-symbols.service';
import { TradingService } from './trading.service';
import { PERPS_VENUE } from './venue/perp-commands';
import { PERP_ENGINE, type PerpEngine } from './venue/perp-engine';
import { PerpTriggerDriver } from './venue/perp-trigger-driver';
import { PerpVenue } from './venue/perp-venue';
import { PERP_MARKET_CATALOG, type PerpMarketCatalog, type PerpMarketRules } from './venue/perp-venue-deps';

/** The venue engine bound to the `perps` venue. */
export function perpEngineOf(engine: VenueEngine): PerpEngine {
  return {
    submit: (symbol, command) => engine.submit(PERPS_VENUE, symbol, command),
    submitLocal: (symbol, command) => engine.submitLocal(PERPS_VENUE, symbol, command),
    isLeader: (symbol) => engine.isLeader(PERPS_VENUE, symbol),
    onLeadership: (listener) => engine.onLeadership(PERPS_VENUE, listener),
  };
}

/**
 * The perps catalogue as the venue reads it: the rules of a symbol of PERP_SYMBOLS (the catalogue keeps the rows of
 * symbols removed from it, which trade no more). The shards are PERP_SYMBOLS and the symbols winding down (PerpSymbols).
 */
@Injectable()
export class PerpCatalog implements PerpMarketCatalog {
  constructor(
    private readonly markets: PerpMarketsService,
    private readonly symbolsOfVenue: PerpSymbols,
  ) {}

  async rules(symbol: string): Promise<PerpMarketRules | undefined> {
    if (!this.symbolsOfVenue.isTraded(symbol)) return undefined;
    try {
      return await this.markets.get(symbol);
    } catch (error) {
      if (error instanceof UnknownSymbol) return undefined;
      throw error;
    }
  }

  isTraded(symbol: string): boolean {
    return this.symbolsOfVenue.isTraded(symbol);
  }

  symbols(): string[] {
    return this.symbolsOfVenue.shards();
  }
}

/** Registers the perps venue (one shard per traded symbol) with the engine at boot. */
@Injectable()
export class PerpVenueRegistration implements OnModuleInit {
  constructor(
    private readonly engine: VenueEngine,
    private readonly venue: PerpVenue,
    private readonly catalog: PerpCatalog,
  ) {}

  onModuleInit(): void {
    this.engine.register({ venue: PERPS_VENUE, shards: () => this.catalog.symbols(), shard: this.venue });
  }
}

/** The perps venue on the engine, its trigger driver and the API service (the price board and volume come from the feed). */
export const PERPS_VENUE_PROVIDERS: Provider[] = [
  PerpSymbols,
  PerpCatalog,
  { provide: PERP_MARKET_CATALOG, useExisting: PerpCatalog },
  { provide: PERP_ENGINE, useFactory: perpEngineOf, inject: [VenueEngine] },
  PerpVenue,
  PerpVenueRegistration,
  PerpTriggerDriver,
  TradingService,
];
