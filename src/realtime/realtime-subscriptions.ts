import { Injectable, Logger } from '@nestjs/common';
import type { Socket } from 'socket.io';
import { DomainError } from '../common/errors/domain-error';
import { CHANNEL_ERRORS, isPrivateRoom, parseChannel } from './channels';
import { RealtimeSnapshots } from './realtime-snapshots';

export type SubscriptionAck = { ok: true; snapshot?: unknown } | { ok: false; error: string };

/** Enough for a busy trading screen; a client past it is leaking subscriptions. */
export const MAX_CHANNELS_PER_SOCKET = 100;
const TOO_MANY = 'too many subscriptions';
const SNAPSHOT_UNAVAILABLE = 'snapshot unavailable';

function channelField(body: unknown): unknown {
  return typeof body === 'object' && body !== null ? (body as { channel?: unknown }).channel : undefined;
}

/** `subscribe`/`unsubscribe`: the server decides which rooms a socket is in. */
@Injectable()
export class RealtimeSubscriptions {
  private readonly logger = new Logger(RealtimeSubscriptions.name);

  constructor(private readonly snapshots: RealtimeSnapshots) {}

  async subscribe(socket: Socket, body: unknown): Promise<SubscriptionAck> {
    const parsed = parseChannel(channelField(body));
    if (!parsed.ok) return { ok: false, error: parsed.error };
    const { name } = parsed.channel;
    const publicChannels = [...socket.rooms].filter((room) => room !== socket.id && !isPrivateRoom(room));
    if (!socket.rooms.has(name) && publicChannels.length >= MAX_CHANNELS_PER_SOCKET) return { ok: false, error: TOO_MANY };

    // Join before reading the snapshot: an update may then arrive twice, but never fall in a gap.
    await socket.join(name);
    try {
      return { ok: true, snapshot: await this.snapshots.snapshotOf(parsed.channel) };
    } catch (error) {
      await socket.leave(name);
      if (error instanceof DomainError && error.status === 404) return { ok: false, error: CHANNEL_ERRORS.unknown };
      this.logger.error(`Snapshot of ${name} failed: ${(error as Error).message}`);
      return { ok: false, error: SNAPSHOT_UNAVAILABLE };
    }
  }

  async unsubscribe(socket: Socket, body: unknown): Promise<SubscriptionAck> {
    const parsed = parseChannel(channelField(body));
    if (!parsed.ok) return { ok: false, error: parsed.error };
    await socket.leave(parsed.channel.name);
    return { ok: true };
  }
}
