import { INestApplication, NotFoundException, RequestMethod } from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { json, type NextFunction, type Request, type Response } from 'express';
import cookieParser from 'cookie-parser';
import { AllExceptionsFilter } from './common/http/all-exceptions.filter';
import { refuseDeepJson } from './common/http/json-depth';
import { securityHeaders } from './common/http/security-headers';
import { requestIdMiddleware } from './common/http/request-id.middleware';
import { RejectNulPipe } from './common/http/reject-nul.pipe';
import { createValidationPipe } from './common/http/validation.pipe';
import { AppConfig } from './config/app-config';
import { IDEMPOTENT_REPLAYED_HEADER } from './common/idempotency/idempotency.interceptor';
import { appLogging } from './logging/app-logging';
import { requestContext, routeOf } from './logging/request-log';
import { MetricsService } from './health/metrics.service';
import { QUEUES_BOARD_PATH, QueuesBoard } from './queues/queues-board';
import { RealtimeServer } from './realtime/realtime-server';
import { RedisIoAdapter } from './realtime/redis-io.adapter';
import { API_TAGS } from './api-tags';
import { BEARER_SCHEME, documentRouteAccess, operationIdOf } from './auth/auth.openapi';

export const API_PREFIX = 'api/v1';
export const UNPREFIXED_ROUTES = [
  { path: 'health', method: RequestMethod.GET },
  { path: 'ready', method: RequestMethod.GET },
  { path: 'metrics', method: RequestMethod.GET },
];

/**
 * The API's OpenAPI document. `serverUrl` is where clients reach it (PUBLIC_URL by default); security
 * comes from the routes' `@Public()`/`@Roles()` metadata, never from Swagger decorators.
 */
export function buildOpenApiDocument(app: INestApplication, serverUrl = app.get(AppConfig).publicUrl): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setTitle('Cash Markets API')
    .setDescription(
      'Live markets, prediction markets and provably fair rounds on one ledger. Amounts are decimal strings; ' +
        'errors are `{statusCode, error, message, details?, requestId}`; money-moving POSTs accept `Idempotency-Key`. ' +
        'Operations with the lock need `Authorization: Bearer <accessToken>`; the others are open (a token still identifies the caller).',
    )
    .setVersion('1')
    .addServer(serverUrl.replace(/\/$/, ''), 'PUBLIC_URL')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, BEARER_SCHEME);
  for (const tag of API_TAGS) builder.addTag(tag.name, tag.description);
  const document = SwaggerModule.createDocument(app, builder.build(), { operationIdFactory: operationIdOf });
  documentRouteAccess(app, document);
  return document;
}

function recordHttpMetrics(metrics: MetricsService) {
  return (request: Request, response: Response, next: NextFunction) => {
    const stop = metrics.httpRequestDuration.startTimer({ method: request.method });
    response.on('finish', () => {
      const route = routeOf(request);
      stop({ route, status: String(response.statusCode) });
      if (response.getHeader(IDEMPOTENT_REPLAYED_HEADER) === 'true') metrics.idempotencyReplays.inc({ route });
    });
    next();
  };
}

/** Everything `main.ts` and the e2e tests both need, so tests exercise the real HTTP surface. */
export async function configureApp(app: NestExpressApplication, config: AppConfig): Promise<void> {
  // Trust exactly the load balancers in front of us: with `true`, any client could pick its own
  // IP through X-Forwarded-For and dodge per-IP rate limits.
  app.set('trust proxy', config.trustProxyHops);
  app.disable('x-powered-by');
  app.use(requestIdMiddleware);
  app.use(appLogging(config).requests());
  app.use(recordHttpMetrics(app.get(MetricsService)));
  app.use(securityHeaders());
  app.use(cookieParser());
  // Nest's own JSON parser offers no `verify`; this one (same name) takes its place.
  app.use(json({ verify: refuseDeepJson() }));
  app.use(requestContext());
  app.use(QUEUES_BOARD_PATH, app.get(QueuesBoard).handler());
  app.enableCors({
    origin: config.corsOrigins.includes('*') ? true : config.corsOrigins,
    credentials: true,
    exposedHeaders: ['X-Request-Id', 'Idempotent-Replayed', 'Retry-After'],
  });
  app.setGlobalPrefix(API_PREFIX, { exclude: UNPREFIXED_ROUTES });
  app.useGlobalPipes(new RejectNulPipe(), createValidationPipe());
  const errors = new AllExceptionsFilter();
  app.useGlobalFilters(errors);

  const ioAdapter = new RedisIoAdapter(app, config, app.get(RealtimeServer));
  await ioAdapter.connect();
  app.useWebSocketAdapter(ioAdapter);

  SwaggerModule.setup('docs', app, () => buildOpenApiDocument(app), {
    jsonDocumentUrl: 'docs-json',
    swaggerOptions: { persistAuthorization: true },
  });

  // Nest answers unknown routes and parser errors only under API_PREFIX (and the excluded routes);
  // anything else (`/nonexistent`, `/api/v2/...`, `//api/v1/...`) would get Express's HTML pages.
  // These go last, so routes must be registered first.
  await app.init();
  app.use((request: Request, _response: Response, next: NextFunction) => next(new NotFoundException(`Cannot ${request.method} ${request.path}`)));
  app.use((error: unknown, request: Request, response: Response, _next: NextFunction) => errors.respond(error, request, response));
}
