import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, IsNull, MoreThan } from 'typeorm';
import { DomainEventBus } from '../common/events/domain-event-bus';
import { NotFound, Unauthorized } from '../common/errors/domain-error';
import { AppConfig } from '../config/app-config';
import { AuthEvent } from './auth.events';
import { AuthStateBroadcast } from './auth-state-broadcast';
import { AuthSessionEntity, SignInMethod } from './auth-session.entity';
import { RefreshTokenEntity } from './refresh-token.entity';
import { newSecret, sha256Hex } from './secrets';

export interface ClientInfo {
  userAgent?: string;
  ip?: string;
}

export interface StartedSession {
  session: AuthSessionEntity;
  refreshToken: string;
}

type RotationOutcome = { rotated: StartedSession } | { reused: AuthSessionEntity } | { refused: string };

/**
 * Sign-in sessions and their rotating refresh tokens. A session is one token family: each
 * refresh spends the presented token and issues the next; presenting a spent one again means
 * two parties hold the family, so the whole session is revoked.
 */
@Injectable()
export class SessionsService {
  // Per process, short-lived, like the ban check: a revocation elsewhere is seen within AUTH_STATE_CACHE_MS.
  private readonly activeCache = new Map<string, { active: boolean; expiresAt: number }>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly events: DomainEventBus,
    stateBroadcast: AuthStateBroadcast,
  ) {
    stateBroadcast.onChange((userId) => {
      for (const key of this.activeCache.keys()) if (key.startsWith(`${userId}:`)) this.activeCache.delete(key);
    });
  }

  /** Opens a session inside the sign-in transaction. */
  async start(manager: EntityManager, userId: string, method: SignInMethod, client: ClientInfo): Promise<StartedSession> {
    const now = new Date();
    const session = await manager.getRepository(AuthSessionEntity).save(
      manager.getRepository(AuthSessionEntity).create({
        userId,
        method,
        userAgent: client.userAgent?.slice(0, 512) ?? null,
        ip: client.ip?.slice(0, 64) ?? null,
        lastUsedAt: now,
        expiresAt: this.refreshExpiry(now),
        revokedAt: null,
        revokedReason: null,
      }),
    );
    const refreshToken = await this.addRefreshToken(manager, session.id, now);
    return { session, refreshToken };
  }

  /** Spends `refreshToken` and returns the session with its next token; reuse revokes the family. */
  async rotate(refreshToken: string, client: ClientInfo): Promise<StartedSession> {
    const outcome = await this.dataSource.transaction(async (manager): Promise<RotationOutcome> => {
      const token = await manager
        .getRepository(RefreshTokenEntity)
        .findOne({ where: { tokenHash: sha256Hex(refreshToken) }, lock: { mode: 'pessimistic_write' } });
      if (!token) return { refused: 'unknown refresh token' };
      const sessions = manager.getRepository(AuthSessionEntity);
      const session = await sessions.findOneByOrFail({ id: token.sessionId });
      if (session.revokedAt) return { refused: 'session revoked: sign in again' };
      if (token.rotatedAt) {
        await this.markRevoked(manager, session, 'refresh-token-reuse');
        return { reused: session };
      }
      const now = new Date();
      if (token.expiresAt.getTime() <= now.getTime()) return { refused: 'refresh token expired: sign in again' };

      token.rotatedAt = now;
      await manager.getRepository(RefreshTokenEntity).save(token);
      session.lastUsedAt = now;
      session.expiresAt = this.refreshExpiry(now);
      if (client.userAgent) session.userAgent = client.userAgent.slice(0, 512);
      if (client.ip) session.ip = client.ip.slice(0, 64);
      await sessions.save(session);
      return { rotated: { session, refreshToken: await this.addRefreshToken(manager, session.id, now) } };
    });

    if ('rotated' in outcome) return outcome.rotated;
    if ('reused' in outcome) {
      this.afterRevoke(outcome.reused);
      throw new Unauthorized('refresh token already used: the session has been revoked, sign in again');
    }
    throw new Unauthorized(outcome.refused);
  }

  /** Ends one of the user's sessions; 404 when it is not theirs. Ending an ended session is a no-op. */
  async revoke(userId: string, sessionId: string, reason: string): Promise<void> {
    const revoked = await this.dataSource.transaction(async (manager) => {
      const session = await manager
        .getRepository(AuthSessionEntity)
        .findOne({ where: { id: sessionId, userId }, lock: { mode: 'pessimistic_write' } });
      if (!session) throw new NotFound(`Session ${sessionId} not found`);
      if (session.revokedAt) return null;
      await this.markRevoked(manager, session, reason);
      return session;
    });
    if (revoked) this.afterRevoke(revoked);
  }

  /**
   * Revokes every open session of the user in the caller's transaction (a ban): their refresh tokens are
   * refused from then on, whatever happens to the user later. Returns how many were open.
   */
  async revokeAllOf(manager: EntityManager, userId: string, reason: string): Promise<number> {
    const open = await manager.getRepository(AuthSessionEntity).find({ where: { userId, revokedAt: IsNull() }, lock: { mode: 'pessimistic_write' } });
    for (const session of open) await this.markRevoked(manager, session, reason);
    return open.length;
  }

  async listActive(userId: string): Promise<AuthSessionEntity[]> {
    return this.dataSource.getRepository(AuthSessionEntity).find({
      where: { userId, revokedAt: IsNull(), expiresAt: MoreThan(new Date()) },
      order: { lastUsedAt: 'DESC' },
    });
  }

  /** Whether access tokens of this session may still be used (not revoked, and the user's own). */
  async isActive(sessionId: string, userId: string): Promise<boolean> {
    const key = `${userId}:${sessionId}`;
    const cached = this.activeCache.get(key);
    if (cached && cached.expiresAt > Date.now()) return cached.active;
    const session = await this.dataSource
      .getRepository(AuthSessionEntity)
      .findOne({ where: { id: sessionId, userId }, select: { id: true, revokedAt: true } });
    const active = Boolean(session && !session.revokedAt);
    if (this.config.authStateCacheMs > 0) this.activeCache.set(key, { active, expiresAt: Date.now() + this.config.authStateCacheMs });
    return active;
  }

  private refreshExpiry(from: Date): Date {
    return new Date(from.getTime() + this.config.refreshTokenTtlSeconds * 1000);
  }

  private async addRefreshToken(manager: EntityManager, sessionId: string, now: Date): Promise<string> {
    const token = newSecret();
    await manager.getRepository(RefreshTokenEntity).insert({ tokenHash: sha256Hex(token), sessionId, expiresAt: this.refreshExpiry(now) });
    return token;
  }

  private async markRevoked(manager: EntityManager, session: AuthSessionEntity, reason: string): Promise<void> {
    session.revokedAt = new Date();
    session.revokedReason = reason;
    await manager.getRepository(AuthSessionEntity).update({ id: session.id }, { revokedAt: session.revokedAt, revokedReason: reason });
    this.events.afterCommit(manager, { name: AuthEvent.SessionRevoked, payload: { userId: session.userId, sessionId: session.id } });
  }

  /** After commit: forget the cached state here (the realtime gateway drops the session's sockets on `session.revoked`). */
  private afterRevoke(session: AuthSessionEntity): void {
    this.activeCache.delete(`${session.userId}:${session.id}`);
  }
}
