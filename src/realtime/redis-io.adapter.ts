import { INestApplicationContext, Logger } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { createAdapter } from '@socket.io/redis-adapter';
import Redis from 'ioredis';
import type { Server, ServerOptions } from 'socket.io';
import { AppConfig } from '../config/app-config';
import { RealtimeServer } from './realtime-server';
import { createRecoverableAdapter } from './recoverable-redis.adapter';

export const MAX_HTTP_BUFFER_SIZE = 64 * 1024;

/**
 * Socket.IO server whose broadcasts travel through Redis pub/sub, so a room emit on one
 * instance reaches sockets connected to every other instance. Transport, buffer and recovery
 * settings are applied here (not in the gateway decorator) because they come from AppConfig.
 */
export class RedisIoAdapter extends IoAdapter {
  override readonly logger = new Logger(RedisIoAdapter.name);
  private publisher?: Redis;
  private subscriber?: Redis;

  constructor(
    app: INestApplicationContext,
    private readonly config: AppConfig,
    private readonly realtimeServer: RealtimeServer,
  ) {
    super(app);
  }

  async connect(): Promise<void> {
    // Auto-pipelining: the broadcasts of one turn (an engine batch's trades, each with several events) leave in one write.
    this.publisher = new Redis(this.config.redisUrl, { lazyConnect: true, maxRetriesPerRequest: null, enableAutoPipelining: true });
    this.subscriber = this.publisher.duplicate({ enableAutoPipelining: false });
    for (const client of [this.publisher, this.subscriber]) {
      client.on('error', (error) => this.logger.warn(`Socket.IO Redis adapter: ${error.message}`));
    }
    await Promise.all([this.publisher.connect(), this.subscriber.connect()]);
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    if (!this.publisher || !this.subscriber) throw new Error('RedisIoAdapter.connect() must run before the gateway starts');
    const recoveryWindowMs = this.config.realtimeRecoveryWindowMs;
    const server: Server = super.createIOServer(port, {
      ...(options as ServerOptions),
      cors: { origin: this.config.corsOrigins.includes('*') ? true : this.config.corsOrigins, credentials: true },
      maxHttpBufferSize: MAX_HTTP_BUFFER_SIZE,
      transports: this.config.realtimeTransports,
      // Middlewares run again on recovery, so a banned user or a revoked token does not come back.
      ...(recoveryWindowMs > 0 ? { connectionStateRecovery: { maxDisconnectionDuration: recoveryWindowMs, skipMiddlewares: false } } : {}),
    });
    const key = `${this.config.redisKeyPrefix}:socket.io`;
    server.adapter(
      recoveryWindowMs > 0
        ? createRecoverableAdapter(this.publisher, this.subscriber, { key, recoveryWindowMs })
        : createAdapter(this.publisher, this.subscriber, { key }),
    );
    return server;
  }

  /** Publishers stop first (their broadcasts become no-ops), then sockets close, then the Redis clients quit. */
  override async close(server: Server): Promise<void> {
    this.realtimeServer.detach();
    await super.close(server);
    await Promise.all([this.publisher?.quit(), this.subscriber?.quit()].map((p) => p?.catch(() => undefined)));
  }
}
