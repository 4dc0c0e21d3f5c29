/** The ledger's events: a user's balance after a committed posting (the latest per account and transaction). */
export const AccountsEvent = {
  BalanceChanged: 'balance.changed',
} as const;

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
  }
}
