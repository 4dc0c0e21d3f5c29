import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from '../app.module';
import { API_PREFIX, buildOpenApiDocument, UNPREFIXED_ROUTES } from '../app.setup';
import { AppConfig } from '../config/app-config';

export const OPENAPI_PATH = join(__dirname, '..', '..', '..', 'docs', 'openapi.json');
/** The committed document names the development server (PUBLIC_URL's default), so it is the same on every machine; a running server's /docs-json names its own PUBLIC_URL. */
export const COMMITTED_SERVER_URL = 'http://localhost:3000';

/** The OpenAPI document as the running server would publish it, in stable JSON. */
export async function renderOpenApi(config: AppConfig): Promise<string> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), { logger: false });
  app.setGlobalPrefix(API_PREFIX, { exclude: UNPREFIXED_ROUTES });
  await app.init();
  try {
    return `${JSON.stringify(buildOpenApiDocument(app, COMMITTED_SERVER_URL), null, 2)}\n`;
  } finally {
    await app.close();
  }
}

if (require.main === module) {
  // Documenting the API must not start engines or seed data in whatever database DATABASE_URL names.
  renderOpenApi(AppConfig.fromEnv({ ...process.env, ROUNDS_ENGINE_ENABLED: 'false', PRICE_FEED_ENABLED: 'false', SEED_DEMO_MARKETS: 'false', CHAIN: 'off' }))
    .then((json) => {
      writeFileSync(process.argv[2] ?? OPENAPI_PATH, json);
      console.log(`wrote ${process.argv[2] ?? OPENAPI_PATH}`);
    })
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}
