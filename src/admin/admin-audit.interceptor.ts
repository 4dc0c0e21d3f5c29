import { CallHandler, ExecutionContext, Injectable, Logger, NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { from, mergeMap, Observable } from 'rxjs';
import type { AuthenticatedUser } from '../auth/authenticated-user';
import { routeAccessOf } from '../auth/route-access';
import { requestIdOf } from '../common/http/request-id.middleware';
import { IDEMPOTENT_REPLAYED_HEADER } from '../common/idempotency/idempotency.interceptor';
import { AUDITED_IN_SERVICE } from './admin-actor';
import { AuditService } from './audit.service';

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The audit trail's safety net: every successful write on an admin-only route whose service does not audit
 * itself (`@AuditedInService()`) gets a row `<METHOD> <route>` with the request body as `before` and the
 * response as `after`, written right after the response is known. A replayed Idempotency-Key is not a new action.
 * Every admin write that changes database rows audits itself; what still lands here has no transaction of its own
 * to write in: POST admin/realtime/broadcast (Socket.IO only), POST admin/dividends/run and POST
 * admin/analytics/rebuild (both only enqueue a job). A new route without `@AuditedInService()` lands here too.
 */
@Injectable()
export class AdminAuditInterceptor implements NestInterceptor {
  private readonly logger = new Logger('AdminAudit');

  constructor(
    private readonly reflector: Reflector,
    private readonly audit: AuditService,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const request = context.switchToHttp().getRequest<Request & { user?: AuthenticatedUser }>();
    if (READS.has(request.method) || !request.user) return next.handle();
    const { roles } = routeAccessOf(this.reflector, context.getHandler(), context.getClass());
    if (!roles.includes('admin')) return next.handle();
    if (this.reflector.getAllAndOverride<boolean>(AUDITED_IN_SERVICE, [context.getHandler(), context.getClass()])) return next.handle();

    const response = context.switchToHttp().getResponse<Response>();
    const actor = { id: request.user.id, requestId: requestIdOf(request) };
    const route = `${request.method} ${(request.route as { path?: string } | undefined)?.path ?? request.path}`.slice(0, 64);
    const params = Object.values(request.params ?? {});
    return next.handle().pipe(
      mergeMap((body: unknown) => {
        if (response.getHeader(IDEMPOTENT_REPLAYED_HEADER)) return from([body]);
        const write = this.audit
          .recordCommitted(actor, { action: route, targetType: 'route', targetId: params.length > 0 ? String(params.join('/')).slice(0, 128) : '-', before: request.body ?? null, after: body ?? null })
          .catch((error: Error) => this.logger.error(`audit of ${route} by ${actor.id} not written: ${error.message}`))
          .then(() => body);
        return from(write);
      }),
    );
  }
}
