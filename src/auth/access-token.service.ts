import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { AppConfig } from '../config/app-config';
import { Unauthorized } from '../common/errors/domain-error';
import type { AccessTokenClaims, AuthenticatedUser } from './authenticated-user';

type VerifiedClaims = AccessTokenClaims & { exp: number; nbf?: number };

/** Tokens whose signature was checked, kept until they expire (oldest dropped first past this many). */
const VERIFIED_CACHE_SIZE = 10_000;
import { SessionsService } from './sessions.service';
import { UsersService } from './users.service';

/**
 * Issues and checks access tokens. HTTP guards and the Socket.IO gateway both call
 * `authenticate`, so a banned or deleted user is refused the same way everywhere.
 */
@Injectable()
export class AccessTokenService {
  /**
   * A token's signature check is a pure function of the token and the key (fixed for the process): checking it
   * again on every request only costs CPU (an HMAC or RSA verify and a key import). Expiry is checked on each use.
   */
  private readonly verified = new Map<string, VerifiedClaims>();

  constructor(
    private readonly jwt: JwtService,
    private readonly users: UsersService,
    private readonly sessions: SessionsService,
    private readonly config: AppConfig,
  ) {}

  async issue(user: { id: string; roles: AccessTokenClaims['roles'] }, sessionId?: string): Promise<{ accessToken: string; expiresIn: number }> {
    const claims: AccessTokenClaims = { sub: user.id, roles: user.roles, ...(sessionId ? { sid: sessionId } : {}) };
    const accessToken = await this.jwt.signAsync(claims, { expiresIn: this.config.accessTokenTtlSeconds });
    return { accessToken, expiresIn: this.config.accessTokenTtlSeconds };
  }

  /** Verifies signature and expiry only. */
  async verify(token: string): Promise<AccessTokenClaims & { exp: number }> {
    const cached = this.verified.get(token);
    if (cached) {
      // As jsonwebtoken decides it: expired once the current second reaches `exp`, not yet valid before `nbf`.
      const nowSeconds = Math.floor(Date.now() / 1000);
      if (nowSeconds < cached.exp && (cached.nbf === undefined || cached.nbf <= nowSeconds)) return cached;
      this.verified.delete(token);
    }
    try {
      const claims = await this.jwt.verifyAsync<VerifiedClaims>(token);
      if (typeof claims.exp === 'number') {
        if (this.verified.size >= VERIFIED_CACHE_SIZE) this.verified.delete(this.verified.keys().next().value!);
        this.verified.set(token, Object.freeze(claims));
      }
      return claims;
    } catch (error) {
      const name = (error as Error).name;
      throw new Unauthorized(name === 'TokenExpiredError' ? 'access token expired' : 'invalid access token');
    }
  }

  /**
   * Verifies the token, that its user still exists and is not banned, and that its session (if it
   * came from one) is not revoked; roles come from the database. Both checks are cached briefly.
   */
  async authenticate(token: string): Promise<AuthenticatedUser & { expiresAt: number }> {
    const claims = await this.verify(token);
    const [state, sessionActive] = await Promise.all([
      this.users.authState(claims.sub),
      claims.sid ? this.sessions.isActive(claims.sid, claims.sub) : true,
    ]);
    if (!state) throw new Unauthorized('user no longer exists');
    if (state.status === 'banned') throw new Unauthorized('user is banned');
    if (!sessionActive) throw new Unauthorized('session revoked: sign in again');
    return { id: claims.sub, roles: state.roles, sessionId: claims.sid, expiresAt: claims.exp * 1000 };
  }
}
