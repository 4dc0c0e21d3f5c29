import { io, ManagerOptions, Socket, SocketOptions } from 'socket.io-client';
import type { RunningApp } from './test-app';

export type ClientOptions = Partial<ManagerOptions & SocketOptions>;

const opened: Socket[] = [];

/** A Socket.IO client for `running`, connected (or rejected with the connect_error). Closed by `closeSockets()`. */
export function connectSocket(running: RunningApp, options: ClientOptions = {}): Promise<Socket> {
  const socket = io(running.url, { transports: ['websocket'], reconnection: false, forceNew: true, ...options });
  opened.push(socket);
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (error) => {
      socket.close();
      reject(error);
    });
  });
}

export function closeSockets(): void {
  for (const socket of opened.splice(0)) socket.close();
}

/** Emits with an acknowledgement and resolves with the ack. */
export function request<T = unknown>(socket: Socket, event: string, body?: unknown): Promise<T> {
  return socket.timeout(5000).emitWithAck(event, body) as Promise<T>;
}

/** Resolves with the next `event` payload; rejects after `timeoutMs`. */
export function nextEvent<T = unknown>(socket: Socket, event: string, timeoutMs = 5000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.off(event, listener);
      reject(new Error(`no "${event}" within ${timeoutMs} ms`));
    }, timeoutMs);
    const listener = (payload: T) => {
      clearTimeout(timer);
      resolve(payload);
    };
    socket.once(event, listener);
  });
}

/** Collects every `event` payload from now on. */
export function collect<T = unknown>(socket: Socket, event: string): T[] {
  const received: T[] = [];
  socket.on(event, (payload: T) => received.push(payload));
  return received;
}

export function disconnected(socket: Socket, timeoutMs = 5000): Promise<string> {
  if (!socket.connected) return Promise.resolve('already disconnected');
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`still connected after ${timeoutMs} ms`)), timeoutMs);
    socket.once('disconnect', (reason) => {
      clearTimeout(timer);
      resolve(reason);
    });
  });
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Retries `assertion` until it passes or `timeoutMs` runs out (then throws its last error). */
export async function eventually(assertion: () => void | Promise<void>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await assertion();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(25);
    }
  }
}
