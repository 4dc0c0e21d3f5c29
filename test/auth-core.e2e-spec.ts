import { JwtService } from '@nestjs/jwt';
import request from 'supertest';
import { UsersService } from '../src/auth/users.service';
import { RunningApp, startTestApp } from './support/test-app';
import { createTestUser } from './support/users';

describe('access tokens and the auth guard (e2e)', () => {
  let running: RunningApp;

  beforeAll(async () => {
    running = await startTestApp({ AUTH_STATE_CACHE_MS: '0' });
  });

  afterAll(async () => {
    await running.close();
  });

  it('refuses a protected route without a token', async () => {
    const response = await request(running.url).get('/api/v1/me').expect(401);
    expect(response.body).toMatchObject({ error: 'Unauthorized', message: expect.stringContaining('missing access token') });
  });

  it('refuses a malformed or foreign-signed token', async () => {
    await request(running.url).get('/api/v1/me').set('Authorization', 'Bearer nonsense').expect(401);
    const foreign = new JwtService({ secret: 'another-secret-another-secret-0123456789' });
    const token = await foreign.signAsync({ sub: '00000000-0000-0000-0000-000000000000', roles: ['admin'] });
    const response = await request(running.url).get('/api/v1/me').set('Authorization', `Bearer ${token}`).expect(401);
    expect(response.body.message).toBe('invalid access token');
  });

  it('refuses an expired token', async () => {
    const user = await createTestUser(running);
    const expired = await running.app.get(JwtService).signAsync({ sub: user.id, roles: ['user'] }, { expiresIn: -10 });
    const response = await request(running.url).get('/api/v1/me').set('Authorization', `Bearer ${expired}`).expect(401);
    expect(response.body.message).toBe('access token expired');
  });

  it('returns and renames the caller', async () => {
    const user = await createTestUser(running);
    const me = await request(running.url).get('/api/v1/me').set(user.auth).expect(200);
    expect(me.body).toMatchObject({ id: user.id, roles: ['user'], status: 'active', walletAddress: null, email: null });

    const name = `tester_${user.id.slice(0, 8)}`;
    const renamed = await request(running.url).patch('/api/v1/me').set(user.auth).send({ username: name }).expect(200);
    expect(renamed.body.username).toBe(name);

    const other = await createTestUser(running);
    const taken = await request(running.url).patch('/api/v1/me').set(other.auth).send({ username: name }).expect(409);
    expect(taken.body.message).toContain('taken');
    await request(running.url).patch('/api/v1/me').set(other.auth).send({ username: 'no spaces!' }).expect(400);
  });

  it('accepts the token from the session cookie', async () => {
    const user = await createTestUser(running);
    await request(running.url).get('/api/v1/me').set('Cookie', `${running.config.authCookieName}=${user.token}`).expect(200);
  });

  it('stops a banned user at once', async () => {
    const user = await createTestUser(running);
    await request(running.url).get('/api/v1/me').set(user.auth).expect(200);
    await running.app.get(UsersService).setStatus(user.id, 'banned');
    const response = await request(running.url).get('/api/v1/me').set(user.auth).expect(401);
    expect(response.body.message).toBe('user is banned');
  });
});
