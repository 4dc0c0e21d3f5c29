import type { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { AppConfig } from '../config/app-config';
import type { AccessTokenService } from './access-token.service';
import { AuthGuard } from './auth.guard';
import { Roles } from './auth.decorators';
import type { UserRole } from './user.entity';

class StaffController {
  @Roles('admin', 'support')
  report(): void {}

  @Roles('admin')
  adjust(): void {}
}

function contextFor(handler: keyof StaffController, method: string): ExecutionContext {
  const request = { method, header: (name: string) => (name === 'authorization' ? 'Bearer token' : undefined) };
  return {
    getType: () => 'http',
    getHandler: () => StaffController.prototype[handler],
    getClass: () => StaffController,
    switchToHttp: () => ({ getRequest: () => request }),
  } as unknown as ExecutionContext;
}

function guardFor(roles: UserRole[]): AuthGuard {
  const tokens = { authenticate: () => Promise.resolve({ id: 'u1', roles }) } as unknown as AccessTokenService;
  return new AuthGuard(new Reflector(), tokens, { authCookieName: 'cm_access' } as AppConfig);
}

describe('AuthGuard roles', () => {
  it('lets support read what it is granted', async () => {
    await expect(guardFor(['user', 'support']).canActivate(contextFor('report', 'GET'))).resolves.toBe(true);
  });

  it('refuses support any write, even on a route that lists it', async () => {
    await expect(guardFor(['user', 'support']).canActivate(contextFor('report', 'POST'))).rejects.toMatchObject({ message: 'role support is read-only' });
    await expect(guardFor(['user', 'support']).canActivate(contextFor('adjust', 'POST'))).rejects.toMatchObject({ message: 'requires role admin' });
  });

  it('lets an admin who is also support write', async () => {
    await expect(guardFor(['user', 'support', 'admin']).canActivate(contextFor('report', 'POST'))).resolves.toBe(true);
  });

  it('refuses a plain user', async () => {
    await expect(guardFor(['user']).canActivate(contextFor('report', 'GET'))).rejects.toMatchObject({ message: 'requires role admin or support' });
  });
});
