/** Creator-share events; `creators.realtime.ts` turns them into `creator:*` broadcasts. */
export const CreatorEvent = {
  Updated: 'creator.updated',
  Traded: 'creator.traded',
  DividendsPaid: 'creator.dividends-paid',
} as const;

/** A creator's share market after a change (realtime `creator:update` on `creator:<id>`). */
export interface CreatorStateEvent {
  creatorId: string;
  status: 'ACTIVE' | 'REVOKED';
  supply: number;
  /** Decimal strings, USDC: the next share's price, the curve value traded, dividends paid so far. */
  price: string;
  holders: number;
  volume: string;
  tradeCount: number;
  dividendsPaid: string;
}

/** One committed share trade (realtime `creator:trade`, without the trader). */
export interface CreatorTradedEvent {
  creatorId: string;
  tradeId: string;
  userId: string;
  side: 'buy' | 'sell';
  shares: number;
  supplyAfter: number;
  /** Decimal strings, USDC. */
  value: string;
  fee: string;
  total: string;
  price: string;
  at: string;
  state: CreatorStateEvent;
}

/**
 * One batch of a creator's dividend paid (committed): for a notifications module to tell each holder. A period's
 * holders arrive over several such events, each holder in exactly one.
 */
export interface CreatorDividendsPaidEvent {
  creatorId: string;
  /** The period's start, ISO 8601. */
  period: string;
  payments: { userId: string; shares: number; amount: string }[];
}

declare module '../common/events/domain-event-map' {
  interface DomainEventMap {
    'creator.updated': CreatorStateEvent;
    'creator.traded': CreatorTradedEvent;
    'creator.dividends-paid': CreatorDividendsPaidEvent;
  }
}
