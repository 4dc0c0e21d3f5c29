import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AppConfig } from '../config/app-config';
import { Forbidden, Unauthorized } from '../common/errors/domain-error';
import { AccessTokenService } from './access-token.service';
import { AuthenticatedRequest, IS_PUBLIC, REQUIRED_ROLES } from './auth.decorators';
import type { UserRole } from './user.entity';

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
    const targets = [context.getHandler(), context.getClass()];
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets) ?? false;
    const requiredRoles = this.reflector.getAllAndOverride<UserRole[]>(REQUIRED_ROLES, targets) ?? [];
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
