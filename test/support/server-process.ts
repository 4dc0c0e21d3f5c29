import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { TEST_CHAIN } from './test-chain';
import { TEST_ENGINE } from './test-engine';

// The compiled server (`npm test` builds first), run as a real process to see its exit code and logs.
export const MAIN = join(__dirname, '..', '..', 'dist', 'src', 'main.js');

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
  elapsedMs: number;
}

export interface ServerProcess {
  child: ChildProcess;
  /** stdout and stderr interleaved, as received so far. */
  output(): string;
  /** stderr alone. */
  errors(): string;
  exited: Promise<Exit>;
  /** Resolves with the first log message (JSON `message`, or the raw line) matching `pattern`. */
  waitForLog(pattern: RegExp, timeoutMs?: number): Promise<string>;
}

export function assertBuilt(): void {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run "npm run build" first (npm test does)`);
}

/** The message of each log line (LOG_FORMAT=json), or the raw line when it is not JSON. */
export function logMessages(output: string): string[] {
  return output
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      try {
        const parsed = JSON.parse(line) as { message?: unknown };
        return typeof parsed.message === 'string' ? parsed.message : line;
      } catch {
        return line;
      }
    });
}

export function startServer(env: Record<string, string>, onOutput?: (output: string, child: ChildProcess) => void): ServerProcess {
  const started = Date.now();
  const child = spawn(process.execPath, [MAIN], {
    env: { ...TEST_ENGINE, ...TEST_CHAIN, ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'info', LOG_FORMAT: 'json', HOST: '127.0.0.1', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let errors = '';
  const waiters: (() => void)[] = [];
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
    onOutput?.(output, child);
    for (const waiter of [...waiters]) waiter();
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', (chunk: Buffer) => {
    errors += chunk.toString();
    collect(chunk);
  });
  const exited = new Promise<Exit>((resolve) =>
    child.on('exit', (code, signal) => {
      resolve({ code, signal, output, elapsedMs: Date.now() - started });
      for (const waiter of [...waiters]) waiter();
    }),
  );

  const waitForLog = (pattern: RegExp, timeoutMs = 30000) =>
    new Promise<string>((resolve, reject) => {
      // Each check reads only the lines completed since the last one (a server logs a line per request).
      let scanned = 0;
      const check = () => {
        const exited = child.exitCode !== null || child.signalCode !== null;
        const end = exited ? output.length : output.lastIndexOf('\n') + 1;
        const found = end > scanned ? logMessages(output.slice(scanned, end)).find((message) => pattern.test(message)) : undefined;
        scanned = Math.max(scanned, end);
        if (found !== undefined) return done(() => resolve(found));
        if (child.exitCode !== null || child.signalCode !== null) return done(() => reject(new Error(`server exited before logging ${pattern}:\n${output}`)));
      };
      const timer = setTimeout(() => done(() => reject(new Error(`no log line matching ${pattern} within ${timeoutMs} ms:\n${output}`))), timeoutMs);
      const done = (settle: () => void) => {
        clearTimeout(timer);
        const index = waiters.indexOf(check);
        if (index >= 0) waiters.splice(index, 1);
        settle();
      };
      waiters.push(check);
      check();
    });

  return { child, output: () => output, errors: () => errors, exited, waitForLog };
}

/** Runs the server until it exits by itself (or `onOutput` stops it). */
export function runServer(env: Record<string, string>, onOutput?: (output: string, child: ChildProcess) => void): Promise<Exit> {
  return startServer(env, onOutput).exited;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
