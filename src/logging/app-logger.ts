import type { LoggerService } from '@nestjs/common';
import { pino, type DestinationStream, type Logger, type LevelWithSilent } from 'pino';
import { RequestContext } from '../common/request-context';
import type { AppConfig } from '../config/app-config';
import { censorSecrets } from './redaction';

type NestLevel = 'log' | 'error' | 'warn' | 'debug' | 'verbose' | 'fatal';
const PINO_LEVEL: Record<NestLevel, 'info' | 'error' | 'warn' | 'debug' | 'trace' | 'fatal'> = {
  log: 'info',
  error: 'error',
  warn: 'warn',
  debug: 'debug',
  verbose: 'trace',
  fatal: 'fatal',
};

function scrubArgument(value: unknown): unknown {
  return censorSecrets(value);
}

/**
 * The process's pino logger: one JSON object a line on stdout with `level`, `time`, `message`, the
 * `requestId`/`userId`/`job` of the work running now (see RequestContext), secrets censored by key
 * and tokens, signatures and emails scrubbed from messages. `destination` is for tests.
 */
export function createRootLogger(config: Pick<AppConfig, 'logLevel'>, destination?: DestinationStream): Logger {
  return pino(
    {
      level: config.logLevel,
      messageKey: 'message',
      errorKey: 'err',
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      // The fields a call passes win: a request line names its own request even after its context ended.
      mixin: (merging) => {
        const fields = RequestContext.logFields();
        for (const key of Object.keys(fields)) if (key in merging) delete fields[key as keyof typeof fields];
        return fields;
      },
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map(scrubArgument) as Parameters<typeof method>);
        },
      },
    },
    // Synchronous: a line logged just before a crash or process.exit is not lost in a buffer.
    destination ?? pino.destination({ fd: 1, sync: true }),
  );
}

/**
 * Nest's logger interface on pino: `new Logger('Context').log(...)` anywhere in the app writes one JSON line
 * with `context`. Objects passed as the message become fields (`{msg, ...fields}`), Errors become `err`.
 */
export class PinoLoggerService implements LoggerService {
  constructor(readonly pino: Logger) {}

  log(message: unknown, ...params: unknown[]): void {
    this.write('log', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.write('verbose', message, params);
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  setLogLevels(levels: NestLevel[]): void {
    const order: NestLevel[] = ['verbose', 'debug', 'log', 'warn', 'error', 'fatal'];
    const lowest = order.find((level) => levels.includes(level));
    this.pino.level = (lowest ? PINO_LEVEL[lowest] : 'silent') as LevelWithSilent;
  }

  private write(level: NestLevel, message: unknown, params: unknown[]): void {
    const rest = [...params];
    const fields: Record<string, unknown> = {};
    // Nest's Logger appends its context as the last string argument.
    if (rest.length > 0 && typeof rest[rest.length - 1] === 'string') fields.context = rest.pop();
    for (const param of rest) {
      if (param instanceof Error) fields.err = param;
      else if (typeof param === 'string') fields[level === 'error' || level === 'fatal' ? 'stack' : 'detail'] = param;
      else if (param !== null && typeof param === 'object') Object.assign(fields, param);
    }
    let text: string | undefined;
    if (message instanceof Error) {
      fields.err = message;
      text = message.message;
    } else if (message !== null && typeof message === 'object') {
      const { msg, message: inner, ...more } = message as Record<string, unknown>;
      Object.assign(fields, more);
      text = typeof msg === 'string' ? msg : typeof inner === 'string' ? inner : undefined;
    } else {
      text = String(message);
    }
    this.pino[PINO_LEVEL[level]](fields, text);
  }
}
