import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AppConfig } from '../config/app-config';
import { Forbidden, Unauthorized } from '../common/errors/domain-error';
import { AccessTokenService } from './access-token.service';
import { AuthenticatedRequest } from './auth.decorators';
import { routeAccessOf } from './route-access';
import type { UserRole } from './user.entity';

/** Roles that may read what they are granted but never write (any method other than these). */
const READ_ONLY_ROLES: readonly UserRole[] = ['support'];
const READ_METHODS = new Set(['GET', 'HEAD']);

/**
 * The one place HTTP access is decided: every route needs a valid access token unless it is
 * `@Public()`, and `@Roles(...)` routes need one of those roles (a read-only role such as `support` only for reads).
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: AccessTokenService,
    private readonly config: AppConfig,
  ) {}

  private tokenOf(request: AuthenticatedRequest): string | undefined {
    const header = request.header('authorization');
    if (header?.toLowerCase().startsWith('bearer ')) return header.slice(7).trim();
    const cookies = (request as { cookies?: Record<string, string> }).cookies;
    return cookies?.[this.config.authCookieName];
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const { isPublic, roles: requiredRoles } = routeAccessOf(this.reflector, context.getHandler(), context.getClass());
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const token = this.tokenOf(request);

    if (!token) {
      if (isPublic) return true;
      throw new Unauthorized('missing access token (Authorization: Bearer <token>)');
    }
    try {
      request.user = await this.tokens.authenticate(token);
    } catch (error) {
      if (isPublic) return true;
      throw error;
    }
    const granting = requiredRoles.filter((role) => request.user!.roles.includes(role));
    if (requiredRoles.length > 0 && granting.length === 0) {
      throw new Forbidden(`requires role ${requiredRoles.join(' or ')}`);
    }
    // Belt and braces: `support` is only ever listed on reads, but a write it alone would let through is refused here.
    if (granting.length > 0 && granting.every((role) => READ_ONLY_ROLES.includes(role)) && !READ_METHODS.has(request.method)) {
      throw new Forbidden(`role ${granting.join(', ')} is read-only`);
    }
    return true;
  }
}
