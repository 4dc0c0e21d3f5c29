/**
 * A user's position, order or notification changed: `users.realtime.ts` forwards the object to
 * `user:<userId>` as `position:update`, `order:update` or `notification`. The objects are the ones
 * the REST API returns; each venue adds the kinds it sends to the maps below (declaration merging,
 * like `DomainEventMap`), so a payload is always one of the declared shapes.
 */
export const UserUpdateEvent = {
  PositionUpdated: 'position.updated',
  OrderUpdated: 'order.updated',
  NotificationCreated: 'notification.created',
} as const;

/** Kind → shape of what a venue sends as `position:update` (rounds: positions and side bets). */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface UserPositionKinds {}
/** Kind → shape of what a venue sends as `order:update` (none yet: order books and perps will add theirs). */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface UserOrderKinds {}
/** Kind → shape of a `notification` (none yet: the notifications module will add its own). */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface UserNotificationKinds {}

export interface PositionUpdatedEvent {
  userId: string;
  position: UserPositionKinds[keyof UserPositionKinds];
}

export interface OrderUpdatedEvent {
  userId: string;
  order: UserOrderKinds[keyof UserOrderKinds];
}

export interface NotificationCreatedEvent {
  userId: string;
  notification: UserNotificationKinds[keyof UserNotificationKinds];
}

declare module '../common/events/domain-event-map' {
  interface DomainEventMap {
    'position.updated': PositionUpdatedEvent;
    'order.updated': OrderUpdatedEvent;
    'notification.created': NotificationCreatedEvent;
  }
}
