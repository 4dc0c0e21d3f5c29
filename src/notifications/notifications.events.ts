import type { NotificationKind } from './notification-kinds';
import type { NotificationDto } from './notification.dto';

export const NotificationEvent = {
  Committed: 'notifications.committed',
  Outboxed: 'notifications.outboxed',
} as const;

/** A large cause's notifications committed as an outbox row: its `outbox` job creates them. */
export interface NotificationsOutboxedEvent {
  outboxId: string;
}

/** Notifications that committed (with their cause): counted, and a digest scheduled for each user waiting for an email. */
export interface NotificationsCommittedEvent {
  created: { userId: string; kind: NotificationKind; emailDue: boolean }[];
}

declare module '../common/events/domain-event-map' {
  interface DomainEventMap {
    'notifications.committed': NotificationsCommittedEvent;
    'notifications.outboxed': NotificationsOutboxedEvent;
  }
}

/** A stored notification goes to `user:<id>` as `notification`: the REST object (UsersRealtime forwards it). */
declare module '../realtime/realtime.events' {
  interface UserNotificationKinds {
    stored: NotificationDto;
  }
}
