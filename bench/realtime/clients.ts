/**
 * A benchmark client process: opens its share of the sockets, subscribes each to the bench
 * channel, and records per-socket delivery (distinct seqs) and latency (receive time minus the
 * server's emit time; same machine, same clock) in a 1 ms histogram.
 */
import { io, Socket } from 'socket.io-client';
// ws is what socket.io's engine uses (a dependency of engine.io); the raw client speaks the wire protocol with it.
import WebSocket from 'ws';
import { BENCH_CHANNEL, BenchTick, ClientCommand, ClientMessage, LATENCY_BUCKETS } from './protocol';

const [url, countArg, clientKind = 'socket.io'] = process.argv.slice(2);
const count = Number(countArg);
const CONNECT_CONCURRENCY = 100;

const histogram = new Array<number>(LATENCY_BUCKETS).fill(0);
const seen: Set<number>[] = [];
const sockets: { close(): void }[] = [];
let duplicates = 0;
let disconnects = 0;
let recording = true;

function send(message: ClientMessage): void {
  process.send?.(message);
}

function recorder(index: number): (tick: BenchTick) => void {
  const received = new Set<number>();
  seen[index] = received;
  return (tick) => {
    if (!recording) return;
    const latency = Date.now() - tick.emittedAt;
    histogram[Math.min(Math.max(latency, 0), LATENCY_BUCKETS - 1)] += 1;
    if (received.has(tick.seq)) duplicates += 1;
    else received.add(tick.seq);
  };
}

/**
 * The Engine.IO 4 / Socket.IO 5 wire protocol by hand, for when the load generator must not be the
 * bottleneck: `0{…}` open, `40` connect, `421[…]`/`431[…]` event with ack, `42[…]` event, `2`/`3` ping/pong.
 */
function openRaw(index: number): Promise<boolean> {
  return new Promise((resolve) => {
    const target = `${url.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`;
    const socket = new WebSocket(target);
    sockets[index] = socket;
    const record = recorder(index);
    socket.on('message', (raw: Buffer) => {
      const frame = raw.toString();
      if (frame.startsWith('42[')) {
        const [event, payload] = JSON.parse(frame.slice(2)) as [string, BenchTick];
        if (event === 'ticker') record(payload);
      } else if (frame === '2') socket.send('3');
      else if (frame.startsWith('0{')) socket.send('40');
      else if (frame.startsWith('40')) socket.send(`421${JSON.stringify(['subscribe', { channel: BENCH_CHANNEL }])}`);
      else if (frame.startsWith('431')) resolve((JSON.parse(frame.slice(3)) as [{ ok: boolean }])[0].ok);
      else if (frame.startsWith('44')) resolve(false);
    });
    socket.on('close', () => (disconnects += 1));
    socket.on('error', () => resolve(false));
  });
}

function open(index: number): Promise<boolean> {
  if (clientKind === 'raw') return openRaw(index);
  return new Promise((resolve) => {
    const socket: Socket = io(url, { transports: ['websocket'], reconnection: false, forceNew: true });
    sockets[index] = socket;
    socket.on('ticker', recorder(index));
    socket.on('disconnect', () => (disconnects += 1));
    socket.once('connect_error', () => resolve(false));
    socket.once('connect', () => {
      socket
        .timeout(30_000)
        .emitWithAck('subscribe', { channel: BENCH_CHANNEL })
        .then((ack: { ok: boolean }) => resolve(ack.ok))
        .catch(() => resolve(false));
    });
  });
}

async function main(): Promise<void> {
  let next = 0;
  let connected = 0;
  let failed = 0;
  const lanes = Array.from({ length: Math.min(CONNECT_CONCURRENCY, count) }, async () => {
    while (next < count) {
      const index = next++;
      if (await open(index)) connected += 1;
      else failed += 1;
    }
  });
  await Promise.all(lanes);
  send({ type: 'ready', connected, failed });
  const cpuAtReady = process.cpuUsage();
  const readyAt = performance.now();

  process.on('message', (command: ClientCommand) => {
    if (command.type !== 'finish') return;
    recording = false;
    const cpu = process.cpuUsage(cpuAtReady);
    const cpuPercent = Math.round((100 * (cpu.user + cpu.system)) / 1000 / (performance.now() - readyAt));
    let received = 0;
    for (const set of seen) for (const seq of set) if (seq >= command.firstSeq && seq <= command.lastSeq) received += 1;
    send({ type: 'report', report: { sockets: count, connected, disconnects, received, duplicates, latencyHistogram: histogram, cpuPercent } });
    for (const socket of sockets) socket.close();
    setTimeout(() => process.exit(0), 200);
  });
}

void main();
