import { Logger } from '@nestjs/common';
import { RequestContext, type RequestContextStore } from '../common/request-context';
import type { MarketStateEvent, MarketTradedEvent } from './markets.events';

export interface TradeBroadcastSink {
  marketUpdate(marketId: string, state: MarketStateEvent): void;
  marketTrade(marketId: string, trade: Omit<MarketTradedEvent, 'userId'>): void;
}

interface Pending {
  state: MarketStateEvent;
  /** The request whose trade left the market in `state`: the coalesced `market:update` names it. */
  stateContext?: RequestContextStore;
  trades: { trade: Omit<MarketTradedEvent, 'userId'>; context?: RequestContextStore }[];
}

/**
 * The trades of one market delivered in one turn (the commit of a venue engine batch hands them over together)
 * go out as one `market:update` with the state after the last of them, then every `market:trade` in order, each
 * naming its own request: a batch of n trades costs n + 1 broadcasts instead of 2n. A lone trade goes out as
 * before (its update, then its trade).
 */
export class MarketTradeBroadcasts {
  private readonly logger = new Logger('MarketsRealtime');
  private readonly pending = new Map<string, Pending>();

  constructor(private readonly sink: TradeBroadcastSink) {}

  add(event: MarketTradedEvent): void {
    const { userId: _trader, ...trade } = event;
    const context = RequestContext.current();
    const state = stateOf(event);
    const pending = this.pending.get(event.marketId);
    if (pending) {
      pending.state = state;
      pending.stateContext = context;
      pending.trades.push({ trade, context });
      return;
    }
    this.pending.set(event.marketId, { state, stateContext: context, trades: [{ trade, context }] });
    // After the rest of the commit's synchronous delivery: every trade of the batch is in by then.
    queueMicrotask(() => this.flush(event.marketId));
  }

  /** Sends what waits for `marketId` now: a later state of the market (closed, resolved) must not be overtaken by it. */
  flush(marketId: string): void {
    const pending = this.pending.get(marketId);
    if (!pending) return;
    this.pending.delete(marketId);
    try {
      inContext(pending.stateContext, () => this.sink.marketUpdate(marketId, pending.state));
      for (const { trade, context } of pending.trades) inContext(context, () => this.sink.marketTrade(marketId, trade));
    } catch (error) {
      this.logger.error(`market.traded broadcasts failed after commit: ${(error as Error).message}`);
    }
  }
}

function inContext(context: RequestContextStore | undefined, work: () => void): void {
  // An empty store, not the microtask's inherited one: a trade outside any request names none.
  RequestContext.run(context ?? {}, work);
}

export function stateOf(event: MarketTradedEvent): MarketStateEvent {
  return { marketId: event.marketId, status: event.status, prices: event.prices, volume: event.volume, resolvedOutcome: event.resolvedOutcome };
}
