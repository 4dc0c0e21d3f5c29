import { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';

/** What `send` puts in a bookTicker frame; prices are decimal strings as Backpack sends them. */
export interface ScriptedBook {
  bid: string;
  ask: string;
  bidSize?: string;
  askSize?: string;
  /** The update id `u`; by default one more than the last sent for the symbol. */
  updateId?: number;
  /** Event time, ms since epoch (sent as microseconds); default now. */
  time?: number;
}

export interface ScriptedBackpack {
  /** `ws://127.0.0.1:<port>`: pass as BACKPACK_WS_URL. */
  url: string;
  /** Connections accepted so far. */
  readonly connections: number;
  /** The streams of every SUBSCRIBE received, in order (one entry per message). */
  readonly subscriptions: string[][];
  /** Pong frames received (answers to `ping()`). */
  readonly pongs: number;
  /** Sends a bookTicker frame for `symbol` to every open connection; returns the `u` sent. */
  send(symbol: string, book: ScriptedBook): number;
  /** Sends any text frame (malformed ones too) to every open connection. */
  sendRaw(text: string): void;
  /** A WebSocket ping frame to every open connection, as Backpack sends every 60 s. */
  ping(): void;
  /** Cuts every open connection (a network drop: no close handshake). */
  dropConnections(): void;
  /** Resolves once `count` SUBSCRIBE messages in all have arrived (with the last one's streams). */
  subscribed(count?: number, timeoutMs?: number): Promise<string[]>;
  close(): Promise<void>;
}

/**
 * A local stand-in for Backpack's public stream (wss://ws.backpack.exchange), scripted by the test: it
 * accepts connections and SUBSCRIBE messages (answering `{id, result: null}` like Backpack), and sends
 * bookTicker frames, pings and drops only when told. For the price feed's tests and the venue's.
 */
export async function startScriptedBackpack(): Promise<ScriptedBackpack> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const open = new Set<WebSocket>();
  const subscriptions: string[][] = [];
  const lastIds = new Map<string, number>();
  const waiters: (() => void)[] = [];
  let connections = 0;
  let pongs = 0;

  server.on('connection', (socket) => {
    connections += 1;
    open.add(socket);
    socket.on('close', () => open.delete(socket));
    socket.on('error', () => open.delete(socket));
    socket.on('pong', () => (pongs += 1));
    socket.on('message', (data) => {
      let message: { method?: string; params?: unknown; id?: unknown };
      try {
        message = JSON.parse(data.toString()) as typeof message;
      } catch {
        return;
      }
      if (message.method === 'SUBSCRIBE' && Array.isArray(message.params)) {
        subscriptions.push(message.params.map(String));
        socket.send(JSON.stringify({ id: message.id ?? null, result: null }));
        for (const wake of waiters.splice(0)) wake();
      }
    });
  });

  const broadcast = (text: string) => {
    for (const socket of open) if (socket.readyState === WebSocket.OPEN) socket.send(text);
  };

  return {
    url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get connections() {
      return connections;
    },
    subscriptions,
    get pongs() {
      return pongs;
    },
    send(symbol, book) {
      const updateId = book.updateId ?? (lastIds.get(symbol) ?? 0) + 1;
      lastIds.set(symbol, Math.max(updateId, lastIds.get(symbol) ?? 0));
      const micros = (book.time ?? Date.now()) * 1000;
      broadcast(
        JSON.stringify({
          stream: `bookTicker.${symbol}`,
          data: { e: 'bookTicker', E: micros, s: symbol, a: book.ask, A: book.askSize ?? '1.5', b: book.bid, B: book.bidSize ?? '2.5', u: updateId, T: micros - 100 },
        }),
      );
      return updateId;
    },
    sendRaw: broadcast,
    ping() {
      for (const socket of open) socket.ping();
    },
    dropConnections() {
      for (const socket of open) socket.terminate();
      open.clear();
    },
    async subscribed(count = 1, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (subscriptions.length < count) {
        if (Date.now() > deadline) throw new Error(`${subscriptions.length} of ${count} SUBSCRIBE messages within ${timeoutMs} ms`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 50);
        });
      }
      return subscriptions[count - 1];
    },
    async close() {
      for (const socket of open) socket.terminate();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
