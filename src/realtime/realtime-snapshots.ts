import { Inject, Injectable, Logger } from '@nestjs/common';
import Redis from 'ioredis';
import { AppConfig } from '../config/app-config';
import { REDIS } from '../redis/redis.module';
import type { ChannelKind, ChannelOf, ChannelRef } from './channels';

/**
 * Returns a channel's current state for a new subscriber (for a round: its state and recent
 * candles). May throw `NotFound` (a domain error) to refuse a channel that no longer exists; whether
 * it exists at all is its kind's validator's call (RealtimeChannels), asked first.
 */
export type SnapshotProvider<K extends ChannelKind = ChannelKind> = (channel: ChannelOf<K>) => Promise<unknown>;

/** Latest cached broadcasts live this long without a new one, so abandoned channels do not linger. */
const LATEST_TTL_MS = 24 * 60 * 60 * 1000;

/**
 * What a client gets in the `subscribe` ack. Venue modules register one provider per channel kind
 * (`snapshots.register('round', (channel) => rounds.snapshot(channel.roundId))`); until a kind has
 * one, the snapshot is the latest payload of each event the publisher broadcast on that channel,
 * kept in Redis so every instance answers the same: `{ "ticker": {...} }`, or null if none yet.
 */
@Injectable()
export class RealtimeSnapshots {
  private readonly logger = new Logger(RealtimeSnapshots.name);
  private readonly providers = new Map<ChannelKind, SnapshotProvider>();

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly config: AppConfig,
  ) {}

  register<K extends ChannelKind>(kind: K, provider: SnapshotProvider<K>): void {
    if (this.providers.has(kind)) throw new Error(`A snapshot provider for "${kind}" channels is already registered`);
    this.providers.set(kind, provider as unknown as SnapshotProvider);
  }

  async snapshotOf(channel: ChannelRef): Promise<unknown> {
    const provider = this.providers.get(channel.kind);
    if (provider) return (await provider(channel)) ?? null;
    const latest = await this.redis.hgetall(this.latestKey(channel.name));
    const events = Object.keys(latest);
    if (events.length === 0) return null;
    return Object.fromEntries(events.map((event) => [event, JSON.parse(latest[event]) as unknown]));
  }

  /**
   * Called by the publisher for every public broadcast it caches; fire and forget. A channel whose kind has a
   * provider in this process never reads the cache (`snapshotOf` asks the provider), so nothing is written for it:
   * a trade's `market:update` and `book:update` cost no Redis transaction.
   */
  remember(channelName: string, event: string, payload: unknown): void {
    if (this.providers.size > 0 && this.providers.has(kindOf(channelName))) return;
    const key = this.latestKey(channelName);
    this.redis
      .multi()
      .hset(key, event, JSON.stringify(payload))
      .pexpire(key, LATEST_TTL_MS)
      .exec()
      .catch((error: Error) => this.logger.warn(`Could not cache the latest ${event} on ${channelName}: ${error.message}`));
  }

  private latestKey(channelName: string): string {
    return `${this.config.redisKeyPrefix}:realtime:latest:${channelName}`;
  }
}

/** `market:<id>` → `market`; a name without ":" is its own kind (`rounds`, `markets`). */
function kindOf(channelName: string): ChannelKind {
  const separator = channelName.indexOf(':');
  return (separator < 0 ? channelName : channelName.slice(0, separator)) as ChannelKind;
}
