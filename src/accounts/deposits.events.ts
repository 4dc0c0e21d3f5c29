import type { DepositDto } from './deposit.dto';

export const DepositsEvent = {
  Updated: 'deposit.updated',
} as const;

/** A user's deposit changed status (seen, confirmed, credited, dropped). */
export interface DepositUpdatedEvent {
  userId: string;
  deposit: DepositDto;
}

declare module '../common/events/domain-event-map' {
  interface DomainEventMap {
    'deposit.updated': DepositUpdatedEvent;
  }
}
