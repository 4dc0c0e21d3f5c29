import { Injectable } from '@nestjs/common';
import { OnDomainEvent } from '../common/events/on-domain-event.decorator';
import { RealtimePublisher } from '../realtime/realtime.publisher';
import type { BalanceChangedEvent } from './accounts.events';

/** A user's balance after each committed posting, to `user:<id>` as `balance:update` `{asset, available, locked}`. */
@Injectable()
export class AccountsRealtime {
  constructor(private readonly publisher: RealtimePublisher) {}

  @OnDomainEvent('balance.changed')
  onBalanceChanged(event: BalanceChangedEvent): void {
    this.publisher.balanceUpdate(event.userId, { asset: event.asset, available: event.available, locked: event.locked });
  }
}
