import type { WithdrawalDto } from './withdrawal.dto';

/** The ledger's events: a user's balance after a committed posting (the latest per account and transaction); a withdrawal's new state. */
export const AccountsEvent = {
  BalanceChanged: 'balance.changed',
  WithdrawalUpdated: 'withdrawal.updated',
} as const;

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
  }
}
