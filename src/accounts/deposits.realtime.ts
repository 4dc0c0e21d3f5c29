import { Injectable } from '@nestjs/common';
import { OnDomainEvent } from '../common/events/on-domain-event.decorator';
import { RealtimePublisher } from '../realtime/realtime.publisher';
import type { DepositUpdatedEvent } from './deposits.events';

/** A user's deposit after each committed status change, to `user:<id>` as `deposit:update` (the DepositDto). */
@Injectable()
export class DepositsRealtime {
  constructor(private readonly publisher: RealtimePublisher) {}

  @OnDomainEvent('deposit.updated')
  onDepositUpdated(event: DepositUpdatedEvent): void {
    this.publisher.depositUpdate(event.userId, event.deposit);
  }
}
