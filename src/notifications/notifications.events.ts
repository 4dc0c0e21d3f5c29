import type { NotificationKind } from './notification-kinds';
import type { NotificationDto } from './notification.dto';

export const NotificationEvent = {
  Committed: 'notifications.committed',
} as const;

/** Notifications that committed (with their cause): counted, and a digest scheduled for each user waiting for an email. */
export interface NotificationsCommittedEvent {
  created: { userId: string; kind: NotificationKind; emailDue: boolean }[];
}

declare module '../common/events/domain-event-map' {
  interface DomainEventMap {
    'notifications.committed': NotificationsCommittedEvent;
  }
}

/** A stored notification goes to `user:<id>` as `notification`: the REST object (UsersRealtime forwards it). */
declare module '../realtime/realtime.events' {
  interface UserNotificationKinds {
    stored: NotificationDto;
  }
}
