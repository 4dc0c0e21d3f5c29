import type { WithdrawalDto } from './withdrawal.dto';

/** The ledger's events: a user's balance after a committed posting (the latest per account and transaction); a withdrawal's new state. */
export const AccountsEvent = {
  BalanceChanged: 'balance.changed',
  WithdrawalUpdated: 'withdrawal.updated',
  HouseMoved: 'ledger.house-moved',
} as const;

/** The house account's net movement in one committed posting batch, per venue (metrics: `venue_house_pnl_usdc`). */
export interface HouseMovedEvent {
  /** From the postings' kind: `perp.*` → perps, `market.*` → prediction, `round.*` → rounds, `creator.*` → creators. */
  venue: 'perps' | 'prediction' | 'rounds' | 'creators';
  asset: string;
  /** Signed decimal string: positive when the house gained. */
  amount: string;
}

/** A withdrawal was requested or changed status (or was approved); `withdrawal` is the REST object. */
export interface WithdrawalUpdatedEvent {
  userId: string;
  withdrawal: WithdrawalDto;
}

export interface BalanceChangedEvent {
  userId: string;
  asset: string;
  /** Decimal strings, as the API shows them. */
  available: string;
  locked: string;
}

declare module '../common/events/domain-event-map' {
  interface DomainEventMap {
    'balance.changed': BalanceChangedEvent;
    'withdrawal.updated': WithdrawalUpdatedEvent;
    'ledger.house-moved': HouseMovedEvent;
  }
}
