import { Injectable } from '@nestjs/common';
import { OnDomainEvent } from '../common/events/on-domain-event.decorator';
import { RealtimePublisher } from '../realtime/realtime.publisher';
import type { BalanceChangedEvent, WithdrawalUpdatedEvent } from './accounts.events';

/**
 * A user's balance after each committed posting, to `user:<id>` as `balance:update` `{asset, available, locked}`;
 * each change of their withdrawals as `withdrawal:update` (the REST object).
 */
@Injectable()
export class AccountsRealtime {
  constructor(private readonly publisher: RealtimePublisher) {}

  @OnDomainEvent('balance.changed')
  onBalanceChanged(event: BalanceChangedEvent): void {
    this.publisher.balanceUpdate(event.userId, { asset: event.asset, available: event.available, locked: event.locked });
  }

  @OnDomainEvent('withdrawal.updated')
  onWithdrawalUpdated(event: WithdrawalUpdatedEvent): void {
    this.publisher.withdrawalUpdate(event.userId, event.withdrawal);
  }
}
