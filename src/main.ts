import 'reflect-metadata';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamicModule, Logger, LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module';
import { configureApp } from './app.setup';
import { WalletSignInService } from './auth/wallet-sign-in.service';
import { AppConfig } from './config/app-config';
import { ConfigError } from './config/env-parsers';
import { StartupError } from './common/errors/startup-error';
import { MetricsService } from './health/metrics.service';
import { UnhandledRejections } from './health/unhandled-rejections';
import { EvmChain } from './blockchain/evm/evm-chain.service';
import { startupBanner } from './startup-banner';
import { appLogging } from './logging/app-logging';

/** JSON (pino) with LOG_FORMAT=json, the production default; Nest's console logger in `pretty`. */
export function createLogger(config: AppConfig): LoggerService {
  return appLogging(config).nest;
}

export async function createApp(config: AppConfig, rootModule: DynamicModule = AppModule.forRoot(config)): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(rootModule, {
    logger: createLogger(config),
    abortOnError: false,
  });
  await configureApp(app, config);
  return app;
}

/**
 * SIGTERM: stop accepting connections, then `app.close()` shuts down in dependency order (see
 * LifecycleModule): the round engine stops, BullMQ workers finish their running jobs, Socket.IO
 * closes, then Redis and the database. Exit 0 when that is done; a second signal or
 * SHUTDOWN_TIMEOUT_MS forces exit 1.
 */
function exitGracefullyOn(app: NestExpressApplication, config: AppConfig): void {
  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    const logger = new Logger('Shutdown');
    if (stopping) {
      logger.warn(`${signal} again: exiting now`);
      process.exit(1);
    }
    stopping = true;
    logger.log(`${signal} received: draining`);
    setTimeout(() => {
      logger.error(`Shutdown took longer than ${config.shutdownTimeoutMs} ms (SHUTDOWN_TIMEOUT_MS): exiting`);
      process.exit(1);
    }, config.shutdownTimeoutMs).unref();
    // New connections are refused from now on; requests already on open connections finish.
    (app.getHttpServer() as Server).close();
    app
      .close()
      .then(() => {
        logger.log('Shutdown complete');
        process.exit(0);
      })
      .catch((error: unknown) => {
        logger.error(`Shutdown failed: ${(error as Error).stack ?? String(error)}`);
        process.exit(1);
      });
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

async function main(): Promise<void> {
  const rejections = new UnhandledRejections().install();
  let config: AppConfig;
  try {
    config = AppConfig.fromEnv(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const logger = new Logger('Bootstrap');
  try {
    const app = await createApp(config);
    rejections.countIn(app.get(MetricsService));
    exitGracefullyOn(app, config);
    await app.listen(config.port, config.host);
    const bound = (app.getHttpServer() as Server).address() as AddressInfo;
    for (const line of startupBanner(config, bound, app.get(WalletSignInService).siweUriOrigins, app.get(EvmChain))) logger.log(line);
  } catch (error) {
    const message = error instanceof StartupError ? error.message : ((error as Error).stack ?? String(error));
    logger.fatal(`Startup failed: ${message}`);
    process.exit(1);
  }
}

if (require.main === module) {
  // Not left to the unhandled-rejection handler: a boot that failed unexpectedly must still exit 1.
  main().catch((error: unknown) => {
    process.stderr.write(`Startup failed: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  });
}
