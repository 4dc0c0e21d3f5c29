import type { UserRole } from './user.entity';

/** What a verified access token (plus the user's current status) says about the caller. */
export interface AuthenticatedUser {
  id: string;
  roles: UserRole[];
  /** The sign-in session the token belongs to, when it came from one. */
  sessionId?: string;
}

export interface AccessTokenClaims {
  sub: string;
  roles: UserRole[];
  sid?: string;
}
