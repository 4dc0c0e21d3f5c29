/** Access that ended: the realtime gateway disconnects the user's or the session's sockets. */
export const AuthEvent = {
  UserBanned: 'user.banned',
  SessionRevoked: 'session.revoked',
} as const;

export interface UserBannedEvent {
  userId: string;
}

export interface SessionRevokedEvent {
  userId: string;
  sessionId: string;
}

declare module '../common/events/domain-event-map' {
  interface DomainEventMap {
    'user.banned': UserBannedEvent;
    'session.revoked': SessionRevokedEvent;
  }
}
