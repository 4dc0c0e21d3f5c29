import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { Injectable, Module } from '@nestjs/common';
import request from 'supertest';
import { Wallet } from 'ethers';
import { DataSource } from 'typeorm';
import { AuthEvent, SessionRevokedEvent, UserBannedEvent } from '../src/auth/auth.events';
import { OnDomainEvent } from '../src/common/events/on-domain-event.decorator';
import { signInWithSiwe, siweProof } from './support/sign-in';
import { RunningApp, startTestApp } from './support/test-app';
import { createTestUser } from './support/users';

@Injectable()
class EventLog {
  readonly revoked: SessionRevokedEvent[] = [];
  readonly banned: UserBannedEvent[] = [];

  @OnDomainEvent(AuthEvent.SessionRevoked)
  onRevoked(event: SessionRevokedEvent) {
    this.revoked.push(event);
  }

  @OnDomainEvent(AuthEvent.UserBanned)
  onBanned(event: UserBannedEvent) {
    this.banned.push(event);
  }
}

@Module({ providers: [EventLog] })
class EventLogModule {}

describe('sessions, roles and bans (e2e)', () => {
  let running: RunningApp;
  let events: EventLog;

  beforeAll(async () => {
    running = await startTestApp({ AUTH_STATE_CACHE_MS: '0' }, [EventLogModule]);
    events = running.app.get(EventLog);
  });

  afterAll(async () => {
    await running.close();
  });

  const refresh = (refreshToken: string) => request(running.url).post('/api/v1/auth/refresh').send({ refreshToken });

  describe('refresh tokens', () => {
    it('rotates: each refresh returns a new pair and spends the old refresh token', async () => {
      const session = await signInWithSiwe(running);
      const first = await refresh(session.refreshToken).expect(200);
      expect(first.body.refreshToken).not.toBe(session.refreshToken);
      expect(first.body.user.id).toBe(session.user.id);
      await request(running.url).get('/api/v1/me').set('Authorization', `Bearer ${first.body.accessToken}`).expect(200);
      const second = await refresh(first.body.refreshToken).expect(200);
      expect(second.body.refreshToken).not.toBe(first.body.refreshToken);
    });

    it('revokes the whole family when a rotated token is presented again', async () => {
      const session = await signInWithSiwe(running);
      const rotated = await refresh(session.refreshToken).expect(200);
      const reuse = await refresh(session.refreshToken).expect(401);
      expect(reuse.body.message).toContain('refresh token already used: the session has been revoked');
      // The thief's and the owner's newer tokens are dead too.
      const newest = await refresh(rotated.body.refreshToken).expect(401);
      expect(newest.body.message).toContain('session revoked');
      const me = await request(running.url).get('/api/v1/me').set('Authorization', `Bearer ${rotated.body.accessToken}`).expect(401);
      expect(me.body.message).toContain('session revoked');
      expect(events.revoked).toContainEqual({ userId: session.user.id, sessionId: expect.any(String) });
    });

    it('refuses an unknown or expired refresh token', async () => {
      const unknown = await refresh('not-a-real-token').expect(401);
      expect(unknown.body.message).toBe('unknown refresh token');
      const session = await signInWithSiwe(running);
      await running.app
        .get(DataSource)
        .query(`UPDATE refresh_tokens SET expires_at = now() - interval '1 second' WHERE session_id IN (SELECT id FROM auth_sessions WHERE user_id = $1)`, [session.user.id]);
      const expired = await refresh(session.refreshToken).expect(401);
      expect(expired.body.message).toContain('refresh token expired');
      await request(running.url).post('/api/v1/auth/refresh').send({}).expect(400);
    });
  });

  describe('logout and the session list', () => {
    it('logout revokes the session: its access and refresh tokens stop working, other sessions live on', async () => {
      const wallet = Wallet.createRandom();
      const phone = await signInWithSiwe(running, wallet);
      const laptop = await signInWithSiwe(running, wallet);
      const listed = await request(running.url).get('/api/v1/auth/sessions').set(phone.auth).expect(200);
      expect(listed.body).toHaveLength(2);
      expect(listed.body.filter((session: { current: boolean }) => session.current)).toHaveLength(1);
      expect(listed.body[0]).toMatchObject({ method: 'siwe', ip: expect.any(String), expiresAt: expect.any(String) });

      await request(running.url).post('/api/v1/auth/logout').set(phone.auth).expect(204);
      const after = await request(running.url).get('/api/v1/me').set(phone.auth).expect(401);
      expect(after.body.message).toContain('session revoked');
      await refresh(phone.refreshToken).expect(401);
      await request(running.url).get('/api/v1/me').set(laptop.auth).expect(200);
      const remaining = await request(running.url).get('/api/v1/auth/sessions').set(laptop.auth).expect(200);
      expect(remaining.body).toHaveLength(1);
      await request(running.url).post('/api/v1/auth/logout').expect(401);
    });

    it('DELETE /auth/sessions/:id ends one of my sessions, and only mine', async () => {
      const wallet = Wallet.createRandom();
      const keep = await signInWithSiwe(running, wallet);
      const end = await signInWithSiwe(running, wallet);
      const sessions = await request(running.url).get('/api/v1/auth/sessions').set(keep.auth).expect(200);
      const target = sessions.body.find((session: { current: boolean }) => !session.current).id as string;

      const stranger = await signInWithSiwe(running);
      await request(running.url).delete(`/api/v1/auth/sessions/${target}`).set(stranger.auth).expect(404);
      await request(running.url).get('/api/v1/me').set(end.auth).expect(200);

      await request(running.url).delete(`/api/v1/auth/sessions/${target}`).set(keep.auth).expect(204);
      await request(running.url).get('/api/v1/me').set(end.auth).expect(401);
      await refresh(end.refreshToken).expect(401);
      expect(events.revoked).toContainEqual({ userId: keep.user.id, sessionId: target });
      await request(running.url).delete(`/api/v1/auth/sessions/${randomUUID()}`).set(keep.auth).expect(404);
      // A malformed id names nothing, like any other route's: the same 404 as a uuid of nothing.
      const malformed = await request(running.url).delete('/api/v1/auth/sessions/not-a-uuid').set(keep.auth).expect(404);
      expect(malformed.body).toMatchObject({ error: 'NotFound', message: 'Session not-a-uuid not found' });
    });
  });

  describe('admin users', () => {
    it('refuses non-admins with 403 and anonymous callers with 401', async () => {
      const user = await createTestUser(running);
      const forbidden = await request(running.url).get('/api/v1/admin/users').set(user.auth).expect(403);
      expect(forbidden.body).toMatchObject({ statusCode: 403, error: 'Forbidden', message: 'requires role admin' });
      await request(running.url).post(`/api/v1/admin/users/${user.id}/ban`).set(user.auth).expect(403);
      await request(running.url).get('/api/v1/admin/users').expect(401);
    });

    it('lists users with pagination and search', async () => {
      const admin = await createTestUser(running, { roles: ['user', 'admin'] });
      const tag = `pg${Date.now().toString(36)}`;
      for (let i = 0; i < 3; i++) await createTestUser(running, { username: `${tag}_${i}` });
      const page1 = await request(running.url).get('/api/v1/admin/users').query({ q: tag.toUpperCase(), page: 1, limit: 2 }).set(admin.auth).expect(200);
      expect(page1.body.meta).toEqual({ page: 1, limit: 2, total: 3, totalPages: 2, hasNext: true, hasPrevious: false });
      expect(page1.body.data.map((user: { username: string }) => user.username)).toEqual([`${tag}_2`, `${tag}_1`]);
      const page2 = await request(running.url).get('/api/v1/admin/users').query({ q: tag, page: 2, limit: 2 }).set(admin.auth).expect(200);
      expect(page2.body.meta).toMatchObject({ page: 2, hasNext: false, hasPrevious: true });
      expect(page2.body.data).toHaveLength(1);
      const defaults = await request(running.url).get('/api/v1/admin/users').set(admin.auth).expect(200);
      expect(defaults.body.meta).toMatchObject({ page: 1, limit: 20 });
      await request(running.url).get('/api/v1/admin/users').query({ limit: 1000 }).set(admin.auth).expect(400);
      const none = await request(running.url).get('/api/v1/admin/users').query({ q: '%_' }).set(admin.auth).expect(200);
      expect(none.body.data.every((user: { username: string }) => user.username.includes('%_'))).toBe(true);
    });

    it('sets roles, which take effect on the next request', async () => {
      const admin = await createTestUser(running, { roles: ['user', 'admin'] });
      const user = await createTestUser(running);
      const updated = await request(running.url).post(`/api/v1/admin/users/${user.id}/roles`).set(admin.auth).send({ roles: ['creator', 'admin'] }).expect(200);
      expect(updated.body.roles).toEqual(['user', 'creator', 'admin']);
      await request(running.url).get('/api/v1/admin/users').set(user.auth).expect(200);
      await request(running.url).post(`/api/v1/admin/users/${user.id}/roles`).set(admin.auth).send({ roles: ['king'] }).expect(400);
      await request(running.url).post(`/api/v1/admin/users/${randomUUID()}/roles`).set(admin.auth).send({ roles: [] }).expect(404);
    });

    it('bans (sessions revoked, tokens and refresh stop at once, sign-in refused) and unbans without bringing the old sessions back', async () => {
      const admin = await createTestUser(running, { roles: ['user', 'admin'] });
      const wallet = Wallet.createRandom();
      const session = await signInWithSiwe(running, wallet);
      const banned = await request(running.url).post(`/api/v1/admin/users/${session.user.id}/ban`).set(admin.auth).expect(200);
      expect(banned.body.status).toBe('banned');
      expect(events.banned).toContainEqual({ userId: session.user.id });
      const me = await request(running.url).get('/api/v1/me').set(session.auth).expect(401);
      expect(me.body.message).toBe('user is banned');
      expect((await refresh(session.refreshToken).expect(401)).body.message).toBe('session revoked: sign in again');
      const signIn = await request(running.url).post('/api/v1/auth/siwe/verify').send(await siweProof(running, wallet)).expect(401);
      expect(signIn.body.message).toBe('user is banned');

      await request(running.url).post(`/api/v1/admin/users/${session.user.id}/unban`).set(admin.auth).expect(200);
      expect((await request(running.url).get('/api/v1/me').set(session.auth).expect(401)).body.message).toBe('session revoked: sign in again');
      expect((await refresh(session.refreshToken).expect(401)).body.message).toBe('session revoked: sign in again');
      const again = await request(running.url).post('/api/v1/auth/siwe/verify').send(await siweProof(running, wallet)).expect(200);
      await request(running.url).get('/api/v1/me').set('Authorization', `Bearer ${again.body.accessToken}`).expect(200);
    });
  });
});

describe('RS256 access tokens (e2e)', () => {
  it('signs and verifies with the configured key pair', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const running = await startTestApp({
      JWT_PRIVATE_KEY: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString().replace(/\n/g, '\\n'),
      JWT_PUBLIC_KEY: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    });
    try {
      const session = await signInWithSiwe(running);
      const header = JSON.parse(Buffer.from(session.accessToken.split('.')[0]!, 'base64url').toString());
      expect(header.alg).toBe('RS256');
      await request(running.url).get('/api/v1/me').set(session.auth).expect(200);
    } finally {
      await running.close();
    }
  });
});
