/**
 * The benchmark's server: the real application (real Redis adapter, auth middleware, rate limit,
 * recovery log) plus a bench-only driver on IPC that publishes ticks through RealtimePublisher and
 * reports event-loop delay, RSS and CPU. Never part of the production image's entry point.
 */
import 'reflect-metadata';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createShardedAdapter } from '@socket.io/redis-adapter';
import Redis from 'ioredis';
import { AppConfig } from '../../src/config/app-config';
import { createApp } from '../../src/main';
import { RealtimePublisher } from '../../src/realtime/realtime.publisher';
import { RealtimeServer } from '../../src/realtime/realtime-server';
import { BENCH_SYMBOL, BenchTick, ServerCommand, ServerMessage } from './protocol';

function send(message: ServerMessage): void {
  process.send?.(message);
}

async function main(): Promise<void> {
  const config = AppConfig.fromEnv({ CHAIN: 'off', ...process.env });
  const app = await createApp(config);
  await app.listen(config.port, '127.0.0.1');
  const publisher = app.get(RealtimePublisher);
  const server = app.get(RealtimeServer);
  if (process.env.BENCH_ADAPTER === 'sharded') {
    // For the comparison only: swap in the sharded adapter before any client connects (no recovery).
    const shardedPublisher = new Redis(config.redisUrl);
    const shardedSubscriber = shardedPublisher.duplicate();
    server.io?.adapter(createShardedAdapter(shardedPublisher, shardedSubscriber, { channelPrefix: `${config.redisKeyPrefix}:socket.io-sharded` }));
  }

  // The histogram records whole sampling intervals; subtract the resolution to get the delay itself.
  const resolutionMs = 10;
  const loopDelay = monitorEventLoopDelay({ resolution: resolutionMs });
  const delayMs = (nanoseconds: number) => Math.max(0, nanoseconds / 1e6 - resolutionMs);
  loopDelay.enable();
  let cpuSince = process.cpuUsage();
  let cpuSinceAt = process.hrtime.bigint();

  process.on('message', (command: ServerCommand) => {
    if (command.type === 'stats') {
      const cpu = process.cpuUsage(cpuSince);
      const elapsedUs = Number(process.hrtime.bigint() - cpuSinceAt) / 1000;
      send({
        type: 'stats',
        stats: {
          rssBytes: process.memoryUsage().rss,
          sockets: server.io?.of('/').sockets.size ?? 0,
          eventLoopDelayMs: { p50: delayMs(loopDelay.percentile(50)), p99: delayMs(loopDelay.percentile(99)), max: delayMs(loopDelay.max) },
          cpuPercent: elapsedUs > 0 ? (100 * (cpu.user + cpu.system)) / elapsedUs : 0,
        },
      });
      if (command.resetEventLoop) {
        loopDelay.reset();
        cpuSince = process.cpuUsage();
        cpuSinceAt = process.hrtime.bigint();
      }
      return;
    }
    let seq = 0;
    const firstSeq = 1;
    // How long one broadcast blocks this process: Socket.IO writes to every local socket synchronously.
    const fanOutMs: number[] = [];
    const timer = setInterval(() => {
      seq += 1;
      const tick: BenchTick = { seq, emittedAt: Date.now() };
      const started = performance.now();
      publisher.ticker(BENCH_SYMBOL, tick);
      fanOutMs.push(performance.now() - started);
    }, command.intervalMs);
    setTimeout(() => {
      clearInterval(timer);
      fanOutMs.sort((a, b) => a - b);
      const at = (p: number) => fanOutMs[Math.min(fanOutMs.length - 1, Math.ceil((p / 100) * fanOutMs.length) - 1)] ?? 0;
      send({ type: 'published', count: seq, firstSeq, lastSeq: seq, fanOutMs: { p50: at(50), p99: at(99), max: at(100) } });
    }, command.durationMs);
  });

  process.on('disconnect', () => {
    void app.close().finally(() => process.exit(0));
  });
  send({ type: 'listening', port: config.port });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
