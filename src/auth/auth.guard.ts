import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AppConfig } from '../config/app-config';
import { Forbidden, Unauthorized } from '../common/errors/domain-error';
import { AccessTokenService } from './access-token.service';
import { AuthenticatedRequest } from './auth.decorators';
import { routeAccessOf } from './route-access';

/**
 * The one place HTTP access is decided: every route needs a valid access token unless it is
 * `@Public()`, and `@Roles(...)` routes need one of those roles.
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
    if (requiredRoles.length > 0 && !requiredRoles.some((role) => request.user!.roles.includes(role))) {
      throw new Forbidden(`requires role ${requiredRoles.join(' or ')}`);
    }
    return true;
  }
}
