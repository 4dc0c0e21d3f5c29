/**
 * Realtime load benchmark. Starts the server as a child process, connects N Socket.IO clients
 * (in one or more client processes) subscribed to one channel, publishes a tick every INTERVAL ms
 * for DURATION s, and prints delivery latency p50/p99/max, messages lost, server event-loop delay
 * p99, server CPU and RSS per socket.
 *
 *   npm run build && npm run bench:realtime -- --sockets 2000 --duration 30 --interval 65
 *   flags: --client raw (light wire-protocol client), --client-processes K, --adapter sharded,
 *          --server-node-options="--cpu-prof"
 *
 * Uses DATABASE_URL / REDIS_URL / REDIS_KEY_PREFIX from the environment like the server does.
 */
import { ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { ClientMessage, ClientReport, ServerCommand, ServerMessage, ServerStats } from './protocol';
import { BENCH_SYMBOL, LATENCY_BUCKETS } from './protocol';

const { values: flags } = parseArgs({
  options: {
    sockets: { type: 'string', default: '2000' },
    duration: { type: 'string', default: '30' },
    interval: { type: 'string', default: '65' },
    port: { type: 'string', default: '3900' },
    'client-processes': { type: 'string', default: '1' },
    'server-node-options': { type: 'string', default: '' },
    /** `sharded`: compare @socket.io/redis-adapter's sharded variant (recovery off for both then). */
    adapter: { type: 'string', default: 'classic' },
    /** `raw`: a minimal wire-protocol client over ws, so the load generator takes less of the shared CPU. */
    client: { type: 'string', default: 'socket.io' },
  },
});
const sockets = Number(flags.sockets);
const durationMs = Number(flags.duration) * 1000;
const intervalMs = Number(flags.interval);
const clientProcesses = Math.max(1, Number(flags['client-processes']));
const port = Number(flags.port);

function waitFor<T extends { type: string }>(child: ChildProcess, type: T['type'], timeoutMs = 600_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "${type}" from child within ${timeoutMs} ms`)), timeoutMs);
    const listener = (message: T) => {
      if (message.type !== type) return;
      clearTimeout(timer);
      child.off('message', listener);
      resolve(message);
    };
    child.on('message', listener);
    child.once('exit', (code) => reject(new Error(`child exited with ${code} while waiting for "${type}"`)));
  });
}

async function serverStats(server: ChildProcess, resetEventLoop = false): Promise<ServerStats> {
  const reply = waitFor<Extract<ServerMessage, { type: 'stats' }>>(server, 'stats');
  server.send({ type: 'stats', resetEventLoop } satisfies ServerCommand);
  return (await reply).stats;
}

function percentile(histogram: number[], total: number, p: number): number {
  const rank = Math.ceil((p / 100) * total);
  let seen = 0;
  for (let ms = 0; ms < histogram.length; ms += 1) {
    seen += histogram[ms];
    if (seen >= rank) return ms;
  }
  return histogram.length - 1;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);

async function main(): Promise<void> {
  const server = fork(join(__dirname, 'server.js'), [], {
    env: {
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      BENCH_ADAPTER: flags.adapter,
      // The trades module opens ticker channels for PERP_SYMBOLS; the bench publishes the ticks itself.
      PERP_SYMBOLS: BENCH_SYMBOL,
      PRICE_FEED_ENABLED: 'false',
      ...(flags.adapter === 'sharded' ? { REALTIME_RECOVERY_WINDOW_MS: '0' } : {}),
    },
    execArgv: flags['server-node-options'] ? flags['server-node-options'].split(' ') : [],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const clients: ChildProcess[] = [];
  try {
    await waitFor(server, 'listening', 60_000);
    await sleep(1000);
    const idle = await serverStats(server);

    const started = Date.now();
    const share = Math.ceil(sockets / clientProcesses);
    for (let i = 0; i < clientProcesses; i += 1) {
      const mine = Math.min(share, sockets - i * share);
      if (mine > 0) clients.push(fork(join(__dirname, 'clients.js'), [`http://127.0.0.1:${port}`, String(mine), flags.client], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
    }
    const ready = await Promise.all(clients.map((child) => waitFor<Extract<ClientMessage, { type: 'ready' }>>(child, 'ready')));
    const connected = ready.reduce((sum, r) => sum + r.connected, 0);
    const failed = ready.reduce((sum, r) => sum + r.failed, 0);
    console.log(`connected ${connected}/${sockets} sockets (${failed} failed) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    await sleep(3000);
    const loaded = await serverStats(server, true);

    console.log(`publishing every ${intervalMs} ms for ${durationMs / 1000} s ...`);
    const published = waitFor<Extract<ServerMessage, { type: 'published' }>>(server, 'published', durationMs + 60_000);
    server.send({ type: 'publish', intervalMs, durationMs } satisfies ServerCommand);
    const { count, firstSeq, lastSeq, fanOutMs } = await published;
    const during = await serverStats(server);
    await sleep(2000); // let the last ticks arrive before counting losses

    const reports = await Promise.all(
      clients.map((child) => {
        const report = waitFor<Extract<ClientMessage, { type: 'report' }>>(child, 'report');
        child.send({ type: 'finish', firstSeq, lastSeq });
        return report.then((message) => message.report);
      }),
    );
    const merged = reports.reduce(
      (sum: ClientReport, r) => ({
        sockets: sum.sockets + r.sockets,
        connected: sum.connected + r.connected,
        disconnects: sum.disconnects + r.disconnects,
        received: sum.received + r.received,
        duplicates: sum.duplicates + r.duplicates,
        latencyHistogram: sum.latencyHistogram.map((value, i) => value + r.latencyHistogram[i]),
        cpuPercent: sum.cpuPercent + r.cpuPercent,
      }),
      { sockets: 0, connected: 0, disconnects: 0, received: 0, duplicates: 0, latencyHistogram: new Array<number>(LATENCY_BUCKETS).fill(0), cpuPercent: 0 },
    );
    const deliveries = merged.latencyHistogram.reduce((a, b) => a + b, 0);
    const expected = merged.connected * count;
    const maxLatency = merged.latencyHistogram.findLastIndex((value) => value > 0);
    const rssPerSocket = merged.connected > 0 ? (loaded.rssBytes - idle.rssBytes) / merged.connected : 0;

    const results = {
      client: flags.client,
      sockets: merged.connected,
      intervalMs,
      durationS: durationMs / 1000,
      published: count,
      /** Fewer than this means the fan-out took longer than the interval and the timer slipped. */
      scheduled: Math.floor(durationMs / intervalMs),
      deliveries,
      lost: expected - merged.received,
      duplicates: merged.duplicates,
      disconnects: merged.disconnects,
      latencyMs: {
        p50: percentile(merged.latencyHistogram, deliveries, 50),
        p99: percentile(merged.latencyHistogram, deliveries, 99),
        max: maxLatency,
      },
      serverFanOutMs: fanOutMs,
      serverEventLoopDelayMs: during.eventLoopDelayMs,
      serverCpuPercent: Math.round(during.cpuPercent),
      clientCpuPercent: merged.cpuPercent,
      serverRssMiB: { idle: mib(idle.rssBytes), connected: mib(loaded.rssBytes), end: mib(during.rssBytes) },
      rssPerSocketKiB: (rssPerSocket / 1024).toFixed(1),
    };
    console.log(JSON.stringify(results, null, 2));
    console.log(
      `| ${results.sockets} | ${intervalMs} ms × ${results.durationS} s | ${results.latencyMs.p50} | ${results.latencyMs.p99} | ${results.latencyMs.max} | ` +
        `${results.lost} | ${results.serverEventLoopDelayMs.p99.toFixed(1)} | ${results.serverCpuPercent}% | ${results.rssPerSocketKiB} KiB |`,
    );
  } finally {
    for (const child of clients) child.kill();
    server.disconnect();
    setTimeout(() => server.kill('SIGKILL'), 10_000).unref();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
