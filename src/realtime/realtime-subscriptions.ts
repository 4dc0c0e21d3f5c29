import { Injectable, Logger } from '@nestjs/common';
import type { Socket } from 'socket.io';
import { CHANNEL_ERRORS, ChannelRef, isPrivateRoom, parseChannel } from './channels';
import { isNotFound, RealtimeChannels } from './realtime-channels';
import { RealtimeSnapshots } from './realtime-snapshots';

export type SubscriptionAck = { ok: true; snapshot?: unknown } | { ok: false; error: string; message: string };

/** Enough for a busy trading screen; a client past it is leaking subscriptions. */
export const MAX_CHANNELS_PER_SOCKET = 100;
const TOO_MANY = 'too many subscriptions';
const UNAVAILABLE = 'snapshot unavailable';

function channelField(body: unknown): unknown {
  return typeof body === 'object' && body !== null ? (body as { channel?: unknown }).channel : undefined;
}

/** `subscribe`/`unsubscribe`: the server decides which rooms a socket is in. */
@Injectable()
export class RealtimeSubscriptions {
  private readonly logger = new Logger(RealtimeSubscriptions.name);

  constructor(
    private readonly channels: RealtimeChannels,
    private readonly snapshots: RealtimeSnapshots,
  ) {}

  async subscribe(socket: Socket, body: unknown): Promise<SubscriptionAck> {
    const parsed = parseChannel(channelField(body));
    if (!parsed.ok) return parsed;
    const { name } = parsed.channel;
    const publicChannels = [...socket.rooms].filter((room) => room !== socket.id && !isPrivateRoom(room));
    if (!socket.rooms.has(name) && publicChannels.length >= MAX_CHANNELS_PER_SOCKET) {
      return { ok: false, error: TOO_MANY, message: `at most ${MAX_CHANNELS_PER_SOCKET} channels per socket; unsubscribe from one first` };
    }
    try {
      const admission = await this.channels.admit(parsed.channel);
      if (!admission.ok) return admission;
    } catch (error) {
      return this.unavailable(parsed.channel, 'check', error);
    }

    // Join before reading the snapshot: an update may then arrive twice, but never fall in a gap.
    await socket.join(name);
    try {
      return { ok: true, snapshot: await this.snapshots.snapshotOf(parsed.channel) };
    } catch (error) {
      await socket.leave(name);
      if (isNotFound(error)) return { ok: false, error: CHANNEL_ERRORS.unknown, message: error.message };
      return this.unavailable(parsed.channel, 'snapshot', error);
    }
  }

  async unsubscribe(socket: Socket, body: unknown): Promise<SubscriptionAck> {
    const parsed = parseChannel(channelField(body));
    if (!parsed.ok) return parsed;
    await socket.leave(parsed.channel.name);
    return { ok: true };
  }

  private unavailable(channel: ChannelRef, step: 'check' | 'snapshot', error: unknown): SubscriptionAck {
    this.logger.error(`Subscription ${step} of ${channel.name} failed: ${(error as Error).message}`);
    return { ok: false, error: UNAVAILABLE, message: `could not answer for ${channel.name} right now; retry` };
  }
}
