import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Request } from 'express';
import type { AuthenticatedUser } from '../auth/authenticated-user';
import { requestIdOf } from '../common/http/request-id.middleware';

/** Who does an admin action, and the request it came in (both go into the audit trail). */
export interface AdminActor {
  id: string;
  requestId: string;
}

/** The signed-in admin of this request as an `AdminActor`. */
export const Actor = createParamDecorator((_data: unknown, context: ExecutionContext): AdminActor => {
  const request = context.switchToHttp().getRequest<Request & { user?: AuthenticatedUser }>();
  return { id: request.user!.id, requestId: requestIdOf(request) };
});

export const AUDITED_IN_SERVICE = 'admin:auditedInService';

/**
 * The route's service writes its own audit row (with before and after) in the action's transaction;
 * without it, `AdminAuditInterceptor` records every successful admin write after the fact.
 */
export const AuditedInService = () => SetMetadata(AUDITED_IN_SERVICE, true);
