import type { Reflector } from '@nestjs/core';
import { IS_PUBLIC, REQUIRED_ROLES } from './auth.decorators';
import type { UserRole } from './user.entity';

/** What a route asks of its caller, from `@Public()` and `@Roles(...)` on the handler or its controller. */
export interface RouteAccess {
  isPublic: boolean;
  roles: UserRole[];
}

/**
 * The one reading of the access metadata: the AuthGuard enforces what this returns, and the OpenAPI
 * document marks security from it, so the two cannot disagree. The handler's metadata wins over its controller's.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- Nest's ExecutionContext hands handlers over as Function
export function routeAccessOf(reflector: Reflector, handler: Function, controller: Function): RouteAccess {
  const targets = [handler, controller];
  return {
    isPublic: reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC, targets) ?? false,
    roles: reflector.getAllAndOverride<UserRole[] | undefined>(REQUIRED_ROLES, targets) ?? [],
  };
}
