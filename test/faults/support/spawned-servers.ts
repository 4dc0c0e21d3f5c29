import { waitFor } from '../../support/rounds';
import { assertBuilt, ServerProcess, startServer } from '../../support/server-process';

/**
 * What every server a fault scenario spawns runs with, besides test/support/server-process's defaults: rate
 * limits out of the way (all clients are 127.0.0.1 and share one Redis prefix), no round engine and no price
 * feed unless a scenario switches them on.
 */
const FAULT_SERVER_ENV: Record<string, string> = {
  RATE_LIMIT_PER_MINUTE: '1000000',
  RATE_LIMIT_AUTH_PER_MINUTE: '1000000',
  RATE_LIMIT_REFRESH_PER_MINUTE: '1000000',
  ROUNDS_ENGINE_ENABLED: 'false',
  PRICE_FEED_ENABLED: 'false',
};

export interface SpawnedServer extends ServerProcess {
  name: string;
  /** `http://127.0.0.1:PORT`, from the startup banner. */
  url: string;
  alive(): boolean;
  /** kill -9, resolved once the process is gone. */
  kill9(): Promise<void>;
  /** SIGTERM, resolved once it has drained and exited. */
  stop(): Promise<void>;
}

/** Every process spawned by the running scenario, so afterAll can stop what a failed assertion left running. */
const spawned: SpawnedServer[] = [];

/** Starts the compiled server (`npm run build` first) and resolves once it listens. */
export async function spawnServer(name: string, env: Record<string, string>, bootTimeoutMs = 60_000): Promise<SpawnedServer> {
  assertBuilt();
  const proc = startServer({ ...FAULT_SERVER_ENV, ...env });
  const alive = () => proc.child.exitCode === null && proc.child.signalCode === null;
  const server: SpawnedServer = {
    ...proc,
    name,
    url: '',
    alive,
    kill9: async () => {
      if (alive()) proc.child.kill('SIGKILL');
      await proc.exited;
    },
    stop: async () => {
      if (alive()) proc.child.kill('SIGTERM');
      await proc.exited;
    },
  };
  spawned.push(server);
  try {
    // The startup banner: "Cash Markets (test, role all) listening on 127.0.0.1:PORT; clients use PUBLIC_URL ...".
    const banner = await proc.waitForLog(/listening on [\d.]+:\d+;/, bootTimeoutMs);
    server.url = `http://${/listening on ([\d.]+:\d+);/.exec(banner)![1]}`;
  } catch (error) {
    await server.kill9();
    throw error;
  }
  return server;
}

/** Stops every server the scenario started and that still runs. */
export async function stopSpawnedServers(): Promise<void> {
  for (const server of spawned.splice(0)) await server.stop();
}

/** test/support/rounds' `waitFor`, with the fault scenarios' longer default wait (processes start and die here). */
export function waitUntil<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 30_000, everyMs = 50): Promise<T> {
  return waitFor(what, probe, timeoutMs, everyMs);
}
