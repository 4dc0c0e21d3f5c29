import type { DepositDto } from './deposit.dto';

export const DepositsEvent = {
  Updated: 'deposit.updated',
  ReturnRequested: 'deposit.return-requested',
} as const;

/** A user's deposit changed status (seen, confirmed, credited, dropped). */
export interface DepositUpdatedEvent {
  userId: string;
  deposit: DepositDto;
}

/** An admin asked for an unassigned deposit to be sent back to its sender (the chain sender picks it up). */
export interface DepositReturnRequestedEvent {
  depositId: string;
  chain: string;
}

declare module '../common/events/domain-event-map' {
  interface DomainEventMap {
    'deposit.updated': DepositUpdatedEvent;
    'deposit.return-requested': DepositReturnRequestedEvent;
  }
}
