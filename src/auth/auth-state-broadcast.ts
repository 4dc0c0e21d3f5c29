import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type Redis from 'ioredis';
import { AppConfig } from '../config/app-config';
import { REDIS } from '../redis/redis.module';

/**
 * Tells every instance to forget what it cached about a user's access (ban status, roles, sessions) at once,
 * instead of within AUTH_STATE_CACHE_MS: published on a Redis channel after the change committed, heard on
 * a subscriber connection of each instance (including the publisher's own).
 */
@Injectable()
export class AuthStateBroadcast implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('AuthStateBroadcast');
  private readonly listeners: ((userId: string) => void)[] = [];
  private subscriber: Redis | null = null;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly config: AppConfig,
  ) {}

  private get channel(): string {
    return `${this.config.redisKeyPrefix}:auth-state`;
  }

  /** `listener(userId)` runs on every instance whenever that user's access changed. */
  onChange(listener: (userId: string) => void): void {
    this.listeners.push(listener);
  }

  /** Forgets here at once, then everywhere; a lost publish still expires with AUTH_STATE_CACHE_MS. */
  async changed(userId: string): Promise<void> {
    this.notify(userId);
    await this.redis.publish(this.channel, userId).catch((error: Error) => this.logger.warn(`auth-state change of ${userId} not published: ${error.message}`));
  }

  async onModuleInit(): Promise<void> {
    const subscriber = this.redis.duplicate();
    this.subscriber = subscriber;
    subscriber.on('error', (error) => this.logger.warn(`auth-state subscriber: ${error.message}`));
    subscriber.on('message', (_channel: string, userId: string) => this.notify(userId));
    await subscriber.subscribe(this.channel);
  }

  async onModuleDestroy(): Promise<void> {
    const subscriber = this.subscriber;
    this.subscriber = null;
    await subscriber?.quit().catch(() => subscriber.disconnect());
  }

  private notify(userId: string): void {
    for (const listener of this.listeners) listener(userId);
  }
}
