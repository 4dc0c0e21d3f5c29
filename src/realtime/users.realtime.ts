import { Injectable } from '@nestjs/common';
import type { SessionRevokedEvent, UserBannedEvent } from '../auth/auth.events';
import { OnDomainEvent } from '../common/events/on-domain-event.decorator';
import { rooms } from './channels';
import type { NotificationCreatedEvent, OrderUpdatedEvent, PositionUpdatedEvent } from './realtime.events';
import { RealtimePublisher } from './realtime.publisher';
import { RealtimeServer } from './realtime-server';

/**
 * What reaches a signed-in user's private rooms from any venue: `position:update`, `order:update` and
 * `notification` on `user:<id>`; and the end of their access: a banned user's or a revoked session's
 * sockets are disconnected, on whichever instance they are connected (broadcasts go through Redis).
 */
@Injectable()
export class UsersRealtime {
  constructor(
    private readonly publisher: RealtimePublisher,
    private readonly server: RealtimeServer,
  ) {}

  @OnDomainEvent('position.updated')
  onPositionUpdated(event: PositionUpdatedEvent): void {
    this.publisher.positionUpdate(event.userId, event.position);
  }

  @OnDomainEvent('order.updated')
  onOrderUpdated(event: OrderUpdatedEvent): void {
    this.publisher.orderUpdate(event.userId, event.order);
  }

  @OnDomainEvent('notification.created')
  onNotificationCreated(event: NotificationCreatedEvent): void {
    this.publisher.notification(event.userId, event.notification);
  }

  @OnDomainEvent('user.banned')
  onUserBanned(event: UserBannedEvent): void {
    this.server.io?.in(rooms.user(event.userId)).disconnectSockets(true);
  }

  @OnDomainEvent('session.revoked')
  onSessionRevoked(event: SessionRevokedEvent): void {
    this.server.io?.in(rooms.session(event.sessionId)).disconnectSockets(true);
  }
}
