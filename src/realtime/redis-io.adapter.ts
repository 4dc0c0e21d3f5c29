import { INestApplicationContext, Logger } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { createAdapter } from '@socket.io/redis-adapter';
import Redis from 'ioredis';
import type { Server, ServerOptions } from 'socket.io';
import { AppConfig } from '../config/app-config';

/**
 * Socket.IO server whose broadcasts travel through Redis pub/sub, so a room emit on one
 * instance reaches sockets connected to every other instance.
 */
export class RedisIoAdapter extends IoAdapter {
  override readonly logger = new Logger(RedisIoAdapter.name);
  private publisher?: Redis;
  private subscriber?: Redis;

  constructor(
    app: INestApplicationContext,
    private readonly config: AppConfig,
  ) {
    super(app);
  }

  async connect(): Promise<void> {
    this.publisher = new Redis(this.config.redisUrl, { lazyConnect: true, maxRetriesPerRequest: null });
    this.subscriber = this.publisher.duplicate();
    for (const client of [this.publisher, this.subscriber]) {
      client.on('error', (error) => this.logger.warn(`Socket.IO Redis adapter: ${error.message}`));
    }
    await Promise.all([this.publisher.connect(), this.subscriber.connect()]);
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    if (!this.publisher || !this.subscriber) throw new Error('RedisIoAdapter.connect() must run before the gateway starts');
    const server: Server = super.createIOServer(port, options);
    server.adapter(createAdapter(this.publisher, this.subscriber, { key: `${this.config.redisKeyPrefix}:socket.io` }));
    return server;
  }

  override async close(server: Server): Promise<void> {
    await super.close(server);
    await Promise.all([this.publisher?.quit(), this.subscriber?.quit()].map((p) => p?.catch(() => undefined)));
  }
}
