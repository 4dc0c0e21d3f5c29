import WebSocket from 'ws';
import { BackoffPolicy, backoffDelay, DEFAULT_RECONNECT_BACKOFF } from './backoff';
import { parseBackpackFrame, subscribeMessage } from './backpack-protocol';
import type { PriceQuote } from './price-quote';
import type { QuoteSource, QuoteSourceStats } from './quote-source';

export interface BackpackStreamOptions {
  url: string;
  symbols: readonly string[];
  /**
   * An update whose `u` is not newer than the last one kept for its symbol is dropped, unless that last one
   * is older than this: an exchange that restarted its ids must not leave the symbol stale for ever.
   */
  staleMs: number;
  /** No frame and no ping for this long: the connection is dead even if TCP has not noticed (Backpack pings every 60 s). */
  idleTimeoutMs?: number;
  backoff?: BackoffPolicy;
  random?: () => number;
  log?: { info(message: string): void; warn(message: string): void };
  now?: () => number;
  /** Told of each dropped frame and each scheduled reconnect (the feed's metrics); the stats count them too. */
  observer?: { dropped(reason: 'malformed' | 'not_newer'): void; reconnecting(): void };
}

interface LastKept {
  updateId: number;
  at: number;
}

/**
 * A client of Backpack's public stream: subscribes to `bookTicker.<symbol>` for every symbol, answers the
 * server's pings (ws sends the pong), drops malformed frames (counted, never thrown) and updates whose
 * `u` is not newer than the last for their symbol, and reconnects after any drop with exponential
 * backoff and jitter, subscribing again. The backoff restarts once a connection delivered a quote.
 */
export class BackpackStream implements QuoteSource {
  readonly stats: QuoteSourceStats = { quotes: 0, malformed: 0, outOfOrder: 0, connects: 0 };
  private socket: WebSocket | null = null;
  private onQuote: ((quote: PriceQuote) => void) | null = null;
  private running = false;
  private attempt = 0;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private idleTimer: NodeJS.Timeout | null = null;
  private readonly last = new Map<string, LastKept>();
  private closed: Promise<void> = Promise.resolve();

  constructor(private readonly options: BackpackStreamOptions) {}

  private get now(): number {
    return this.options.now?.() ?? Date.now();
  }

  start(onQuote: (quote: PriceQuote) => void): void {
    if (this.running) return;
    this.running = true;
    this.onQuote = onQuote;
    this.connect();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.onQuote = null;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    this.clearIdle();
    const socket = this.socket;
    this.socket = null;
    if (socket && socket.readyState !== WebSocket.CLOSED) {
      socket.terminate();
      await this.closed;
    }
  }

  private connect(): void {
    if (!this.running) return;
    const socket = new WebSocket(this.options.url, { handshakeTimeout: 10_000 });
    this.socket = socket;
    let received = false;
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('open', () => {
      this.stats.connects += 1;
      this.options.log?.info(`connected to ${this.options.url}, subscribing to ${this.options.symbols.length} bookTicker streams`);
      socket.send(subscribeMessage(this.options.symbols));
      this.touch(socket);
    });
    socket.on('ping', () => this.touch(socket));
    socket.on('message', (data: WebSocket.RawData, isBinary: boolean) => {
      this.touch(socket);
      if (isBinary) {
        this.stats.malformed += 1;
        this.options.observer?.dropped('malformed');
        return;
      }
      const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : data.toString();
      if (this.accept(text) && !received) {
        received = true;
        this.attempt = 0;
      }
    });
    socket.on('error', (error) => this.options.log?.warn(`Backpack stream: ${error.message}`));
    socket.on('close', (code) => {
      if (this.socket === socket) this.socket = null;
      this.clearIdle();
      if (!this.running) return;
      const delay = backoffDelay(this.attempt, this.options.backoff ?? DEFAULT_RECONNECT_BACKOFF, this.options.random);
      this.attempt += 1;
      this.options.observer?.reconnecting();
      this.options.log?.warn(`Backpack stream closed (${code}); reconnecting in ${delay} ms (attempt ${this.attempt})`);
      this.reconnectTimer = setTimeout(() => {
        this.reconnectTimer = null;
        this.connect();
      }, delay);
    });
  }

  /** True when the frame became a quote. */
  private accept(text: string): boolean {
    const frame = parseBackpackFrame(text, this.now);
    if (frame.kind === 'ignored') return false;
    if (frame.kind === 'malformed') {
      this.stats.malformed += 1;
      this.options.observer?.dropped('malformed');
      if (this.stats.malformed <= 10 || this.stats.malformed % 1000 === 0) {
        this.options.log?.warn(`dropped a malformed Backpack frame (${this.stats.malformed} so far): ${frame.reason}`);
      }
      return false;
    }
    const { quote } = frame;
    if (!this.options.symbols.includes(quote.symbol)) return false;
    const last = this.last.get(quote.symbol);
    if (last && quote.updateId <= last.updateId && quote.receivedAt - last.at < this.options.staleMs) {
      this.stats.outOfOrder += 1;
      this.options.observer?.dropped('not_newer');
      return false;
    }
    this.last.set(quote.symbol, { updateId: quote.updateId, at: quote.receivedAt });
    this.stats.quotes += 1;
    this.onQuote?.(quote);
    return true;
  }

  private touch(socket: WebSocket): void {
    this.clearIdle();
    const idleMs = this.options.idleTimeoutMs ?? 120_000;
    this.idleTimer = setTimeout(() => {
      this.options.log?.warn(`no frame from Backpack for ${idleMs} ms; reconnecting`);
      socket.terminate();
    }, idleMs);
    this.idleTimer.unref();
  }

  private clearIdle(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
  }
}
