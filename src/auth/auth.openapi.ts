import type { INestApplication } from '@nestjs/common';
import { ModulesContainer, Reflector } from '@nestjs/core';
import type { OpenAPIObject, OperationObject, PathItemObject } from '@nestjs/swagger';
import { addErrorResponse, ApiErrorSpec } from '../common/http/api-errors.decorator';
import { routeAccessOf } from './route-access';
import type { UserRole } from './user.entity';

/** The security scheme name of the access token in the OpenAPI document. */
export const BEARER_SCHEME = 'bearer';

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/** Operation ids name the controller and its method, so an operation leads back to its handler. */
export function operationIdOf(controllerKey: string, methodKey: string): string {
  return `${controllerKey}_${methodKey}`;
}

export const UNAUTHORIZED: ApiErrorSpec = {
  status: 401,
  error: 'Unauthorized',
  message: 'missing access token (Authorization: Bearer <token>)',
  description: 'No access token, or one that is invalid, expired, revoked or of a banned user',
};

function forbidden(roles: UserRole[]): ApiErrorSpec {
  return { status: 403, error: 'Forbidden', message: `requires role ${roles.join(' or ')}`, description: `The caller lacks the ${roles.join(' or ')} role` };
}

type Handler = { controller: new (...args: never[]) => unknown; handler: (...args: never[]) => unknown };

function handlersByOperationId(app: INestApplication): Map<string, Handler> {
  const handlers = new Map<string, Handler>();
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as Handler['controller'] | null;
      if (!controller) continue;
      const prototype = controller.prototype as Record<string, unknown>;
      for (const key of Object.getOwnPropertyNames(prototype)) {
        const handler = prototype[key];
        if (key !== 'constructor' && typeof handler === 'function') handlers.set(operationIdOf(controller.name, key), { controller, handler: handler as Handler['handler'] });
      }
    }
  }
  return handlers;
}

/**
 * Marks each operation's security from the metadata the AuthGuard enforces (`@Public()`, `@Roles()`):
 * public operations carry none; the others need the bearer token and answer 401 without it, and
 * role-restricted ones 403. Controllers never declare security themselves, so the document cannot drift.
 */
export function documentRouteAccess(app: INestApplication, document: OpenAPIObject): void {
  const reflector = app.get(Reflector);
  const handlers = handlersByOperationId(app);
  for (const [path, item] of Object.entries(document.paths) as [string, PathItemObject][]) {
    for (const method of HTTP_METHODS) {
      const operation: OperationObject | undefined = item[method];
      if (!operation) continue;
      const route = handlers.get(operation.operationId ?? '');
      if (!route) throw new Error(`OpenAPI: no handler for ${method.toUpperCase()} ${path} (operationId ${operation.operationId})`);
      const access = routeAccessOf(reflector, route.handler, route.controller);
      if (access.isPublic) {
        delete operation.security;
        continue;
      }
      operation.security = [{ [BEARER_SCHEME]: [] }];
      addErrorResponse(operation, UNAUTHORIZED);
      if (access.roles.length > 0) addErrorResponse(operation, forbidden(access.roles));
    }
  }
}
