/** Access that ended: the realtime gateway disconnects the user's or the session's sockets. */
export const AuthEvent = {
  UserBanned: 'user.banned',
  SessionRevoked: 'session.revoked',
  /** A user's roles changed (the creators module opens or closes a creator's share market on `creator`). */
  UserRolesChanged: 'user.roles-changed',
  /** A user's username changed (analytics drops the name it shows on the leaderboards). */
  UserRenamed: 'user.renamed',
} as const;

export interface UserRenamedEvent {
  userId: string;
  username: string;
}

export interface UserRolesChangedEvent {
  userId: string;
  roles: string[];
  granted: string[];
  revoked: string[];
}

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
    'user.roles-changed': UserRolesChangedEvent;
    'user.renamed': UserRenamedEvent;
  }
}
