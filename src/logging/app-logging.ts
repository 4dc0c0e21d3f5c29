import { ConsoleLogger, type LoggerService, type LogLevel } from '@nestjs/common';
import type { RequestHandler } from 'express';
import type { AppConfig } from '../config/app-config';
import { createRootLogger, PinoLoggerService } from './app-logger';
import { consoleRequestLog, pinoRequestLog } from './request-log';

const NEST_LEVELS: Record<AppConfig['logLevel'], LogLevel[]> = {
  debug: ['fatal', 'error', 'warn', 'log', 'debug'],
  info: ['fatal', 'error', 'warn', 'log'],
  warn: ['fatal', 'error', 'warn'],
  error: ['fatal', 'error'],
};

export interface AppLogging {
  /** The application's logger (`NestFactory.create({ logger })`). */
  nest: LoggerService;
  /** The per-request log line middleware. */
  requests(): RequestHandler;
}

const byConfig = new WeakMap<AppConfig, AppLogging>();

/**
 * LOG_FORMAT=json (the production default): pino, one JSON object a line, for the app's logs and the request
 * lines alike. `pretty` (development): Nest's colored console logger and a short request line.
 * One per config, so the app logger and the request middleware share one pino destination.
 */
export function appLogging(config: AppConfig): AppLogging {
  const existing = byConfig.get(config);
  if (existing) return existing;
  let logging: AppLogging;
  if (config.logFormat === 'json') {
    const root = createRootLogger(config);
    logging = { nest: new PinoLoggerService(root), requests: () => pinoRequestLog(root) };
  } else {
    logging = {
      nest: new ConsoleLogger({ logLevels: NEST_LEVELS[config.logLevel], colors: true }),
      requests: () => consoleRequestLog(),
    };
  }
  byConfig.set(config, logging);
  return logging;
}
