import { Injectable, Logger } from '@nestjs/common';
import { Counter, Gauge } from 'prom-client';
import type { Socket } from 'socket.io';
import { AccessTokenService } from '../auth/access-token.service';
import type { AuthenticatedUser } from '../auth/authenticated-user';
import { DomainError } from '../common/errors/domain-error';
import { AppConfig } from '../config/app-config';
import { MetricsService } from '../health/metrics.service';
import { isPrivateRoom, rooms } from './channels';
import { ClientEventRateLimiter } from './client-event-rate-limiter';
import { RealtimeServer } from './realtime-server';
import { PENDING_PRIVATE_PACKETS } from './recoverable-redis.adapter';

export type SocketUser = AuthenticatedUser & { expiresAt: number };

/** What the gateway keeps on `socket.data` (persisted across recovery, re-checked on every handshake). */
export interface SocketData {
  user: SocketUser | null;
  [PENDING_PRIVATE_PACKETS]?: { rooms: string[]; data: unknown[] }[];
}

export const CONNECT_ERRORS = { unauthorized: 'unauthorized', unavailable: 'unavailable' } as const;

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of header?.split(';') ?? []) {
    const separator = part.indexOf('=');
    if (separator > 0 && part.slice(0, separator).trim() === name) {
      try {
        return decodeURIComponent(part.slice(separator + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/**
 * Who may stay connected: authenticates every handshake (recovered ones too), joins a user's
 * private rooms, limits client events, and disconnects sockets whose token expires (a ban or a
 * revoked session disconnects them through UsersRealtime).
 */
@Injectable()
export class RealtimeConnections {
  private readonly logger = new Logger(RealtimeConnections.name);
  private readonly rateLimited: Counter<'action'>;

  constructor(
    private readonly tokens: AccessTokenService,
    private readonly config: AppConfig,
    private readonly server: RealtimeServer,
    metrics: MetricsService,
  ) {
    new Gauge({
      name: 'realtime_connected_sockets',
      help: 'Socket.IO sockets connected to this instance',
      registers: [metrics.registry],
      collect() {
        this.set(server.io?.of('/').sockets.size ?? 0);
      },
    });
    this.rateLimited = new Counter({
      name: 'realtime_rate_limited_total',
      help: 'Client events over REALTIME_EVENTS_PER_SECOND: warned (first in a second) or disconnected',
      labelNames: ['action'] as const,
      registers: [metrics.registry],
    });
  }

  private tokenOf(socket: Socket): string | undefined {
    const auth = socket.handshake.auth as { token?: unknown } | undefined;
    if (typeof auth?.token === 'string' && auth.token.length > 0) return auth.token;
    return cookieValue(socket.handshake.headers.cookie, this.config.authCookieName);
  }

  /**
   * Socket.IO middleware. No token: anonymous. A bad token is refused, never downgraded to anonymous.
   * `authenticate` also refuses banned users and revoked sessions (within AUTH_STATE_CACHE_MS).
   */
  readonly authenticate = (socket: Socket, next: (error?: Error) => void): void => {
    const data = socket.data as SocketData;
    data.user = null;
    const token = this.tokenOf(socket);
    if (!token) return next();
    this.tokens
      .authenticate(token)
      .then((user) => {
        data.user = user;
        next();
      })
      .catch((error: unknown) => {
        if (error instanceof DomainError) return next(new Error(CONNECT_ERRORS.unauthorized));
        this.logger.error(`Socket authentication failed: ${(error as Error).message}`);
        next(new Error(CONNECT_ERRORS.unavailable));
      });
  };

  /** Runs for every connected socket, fresh or recovered, after `authenticate` passed. */
  admit(socket: Socket): void {
    const data = socket.data as SocketData;
    const pending = data[PENDING_PRIVATE_PACKETS] ?? [];
    delete data[PENDING_PRIVATE_PACKETS];
    // A recovered socket gets its public channels back; private rooms follow only from this handshake.
    for (const room of socket.rooms) if (isPrivateRoom(room)) void socket.leave(room);

    if (data.user) {
      const privateRooms = [rooms.user(data.user.id), ...(data.user.sessionId ? [rooms.session(data.user.sessionId)] : [])];
      void socket.join(privateRooms);
      for (const packet of pending) {
        if (packet.rooms.every((room) => privateRooms.includes(room))) socket.emit(...(packet.data as [string, ...unknown[]]));
      }
      this.disconnectAtExpiry(socket, data.user.expiresAt);
    }
    this.limitClientEvents(socket);
  }

  private disconnectAtExpiry(socket: Socket, expiresAt: number): void {
    // setTimeout holds at most 2^31-1 ms (~24.8 days); tokens live far less, but do not overflow to "now".
    const timer = setTimeout(() => socket.disconnect(true), Math.min(2 ** 31 - 1, Math.max(0, expiresAt - Date.now())));
    timer.unref();
    socket.once('disconnect', () => clearTimeout(timer));
  }

  private limitClientEvents(socket: Socket): void {
    const perSecond = this.config.realtimeEventsPerSecond;
    const limiter = new ClientEventRateLimiter(perSecond, this.config.realtimeRateLimitStrikes);
    socket.use((_packet, next) => {
      const decision = limiter.hit(Date.now());
      if (decision === 'allow') return next();
      if (decision === 'warn') {
        this.rateLimited.inc({ action: 'warned' });
        socket.emit('error', { error: 'RateLimited', message: `more than ${perSecond} events per second: the excess is dropped, and repeated bursts disconnect` });
      } else if (decision === 'disconnect') {
        this.rateLimited.inc({ action: 'disconnected' });
        socket.emit('error', { error: 'RateLimited', message: 'disconnected for repeatedly exceeding the event rate limit' });
        socket.disconnect(true);
      }
    });
  }
}
