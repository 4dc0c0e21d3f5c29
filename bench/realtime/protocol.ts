/** IPC messages between the benchmark driver, the server child and the client children. */
/** A perp symbol of its own (the server lists only it in PERP_SYMBOLS), so the bench's ticks never mix with real ones. */
export const BENCH_SYMBOL = 'BENCH_USDC_PERP';
export const BENCH_CHANNEL = `ticker:${BENCH_SYMBOL}`;
/** Latency histogram: one bucket per millisecond, the last one collects everything slower. */
export const LATENCY_BUCKETS = 10_000;

export interface BenchTick {
  seq: number;
  /** Server Date.now() right before the broadcast. */
  emittedAt: number;
}

export interface ServerStats {
  rssBytes: number;
  sockets: number;
  eventLoopDelayMs: { p50: number; p99: number; max: number };
  cpuPercent: number;
}

export type ServerMessage =
  | { type: 'listening'; port: number }
  | { type: 'stats'; stats: ServerStats }
  | { type: 'published'; count: number; firstSeq: number; lastSeq: number; fanOutMs: { p50: number; p99: number; max: number } };

export type ServerCommand = { type: 'stats'; resetEventLoop?: boolean } | { type: 'publish'; intervalMs: number; durationMs: number };

export interface ClientReport {
  sockets: number;
  connected: number;
  disconnects: number;
  /** Messages received per socket, counted once per distinct seq. */
  received: number;
  duplicates: number;
  latencyHistogram: number[];
  /** CPU this client process used while recording, in % of one core. */
  cpuPercent: number;
}

export type ClientMessage = { type: 'ready'; connected: number; failed: number } | { type: 'report'; report: ClientReport };
export type ClientCommand = { type: 'finish'; firstSeq: number; lastSeq: number };
