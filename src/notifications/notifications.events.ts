import type { NotificationDto } from './notification.dto';

/** A stored notification goes to `user:<id>` as `notification`: the REST object (UsersRealtime forwards it). */
declare module '../realtime/realtime.events' {
  interface UserNotificationKinds {
    stored: NotificationDto;
  }
}

export {};
