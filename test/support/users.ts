import { AccessTokenService } from '../../src/auth/access-token.service';
import type { UserRole } from '../../src/auth/user.entity';
import { UsersService } from '../../src/auth/users.service';
import type { NewUser } from '../../src/auth/users.service';
import type { RunningApp } from './test-app';

export interface TestUser {
  id: string;
  token: string;
  /** `{ Authorization: 'Bearer …' }`, for supertest `.set(...)`. */
  auth: { Authorization: string };
}

/** A user straight in the database with a signed access token (sign-in flows have their own tests). */
export async function createTestUser(running: RunningApp, fields: NewUser & { roles?: UserRole[] } = {}): Promise<TestUser> {
  const user = await running.app.get(UsersService).create(fields);
  const { accessToken } = await running.app.get(AccessTokenService).issue(user);
  return { id: user.id, token: accessToken, auth: { Authorization: `Bearer ${accessToken}` } };
}
