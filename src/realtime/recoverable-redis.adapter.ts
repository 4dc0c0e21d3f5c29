import { RedisAdapter } from '@socket.io/redis-adapter';
import type Redis from 'ioredis';
import type { Namespace } from 'socket.io';
import type { BroadcastOptions, Session } from 'socket.io-adapter';
import { isPrivateRoom } from './channels';
import { MissedPacketLog } from './missed-packet-log';

type SessionToPersist = Parameters<RedisAdapter['persistSession']>[0];
interface BroadcastPacket {
  type: number;
  id?: number;
  data: unknown[];
}

/** Where a recovered socket finds the private packets it missed; the gateway sends them after re-authenticating. */
export const PENDING_PRIVATE_PACKETS = 'pendingPrivatePackets';

const EVENT_PACKET = 2;

/**
 * The pub/sub Redis adapter plus connection state recovery, which the stock Redis adapter lacks
 * (its `restoreSession` always answers null). Sessions of dropped sockets live in Redis, so any
 * instance can restore them; each instance keeps a short log of every broadcast it sees (its own
 * and, through the pattern subscription, everyone else's) keyed by a cluster-unique offset.
 *
 * Private rooms (`user:*`, `session:*`) are not restored and their missed packets are not sent
 * before the middlewares re-authenticate the handshake: the gateway rejoins and replays them only
 * for the user the new token proves.
 */
export class RecoverableRedisAdapter extends RedisAdapter {
  private readonly missedPackets: MissedPacketLog;
  private readonly broadcastChannelPrefix: string;
  private readonly recordRemote = (_pattern: string, channel: Buffer, message: Buffer) => this.recordRemoteBroadcast(channel, message);
  private nextOffset = 0;
  /** How this adapter's own broadcasts begin on the wire (msgpack `[uid, ...`): they come back through the pattern subscription. */
  private readonly ownMessagePrefix: Buffer;

  constructor(
    nsp: Namespace,
    private readonly publisher: Redis,
    private readonly subscriber: Redis,
    private readonly options: { key: string; recoveryWindowMs: number },
  ) {
    super(nsp, publisher, subscriber, { key: options.key });
    this.missedPackets = new MissedPacketLog(options.recoveryWindowMs);
    this.broadcastChannelPrefix = `${options.key}#${nsp.name}#`;
    this.ownMessagePrefix = ownMessagePrefixOf(this.parser.encode([this.uid, null, null]) as Buffer);
    subscriber.on('pmessageBuffer', this.recordRemote);
  }

  override close(): ReturnType<RedisAdapter['close']> {
    this.subscriber.off('pmessageBuffer', this.recordRemote);
    return super.close();
  }

  private isRecoverable(packet: BroadcastPacket, opts: { flags?: BroadcastOptions['flags'] }): boolean {
    return packet.type === EVENT_PACKET && packet.id === undefined && !opts.flags?.volatile;
  }

  override broadcast(packet: BroadcastPacket, opts: BroadcastOptions): void {
    if (this.isRecoverable(packet, opts) && !opts.flags?.local) {
      const offset = `${String(this.uid)}.${(this.nextOffset++).toString(36)}`;
      packet.data.push(offset);
      const now = Date.now();
      this.missedPackets.record({ id: offset, rooms: [...opts.rooms], except: [...(opts.except ?? [])], data: packet.data, emittedAt: now }, now);
    }
    super.broadcast(packet, opts);
  }

  private recordRemoteBroadcast(channel: Buffer, message: Buffer): void {
    if (!channel.toString().startsWith(this.broadcastChannelPrefix)) return;
    // Its own (already in the log): recognised without decoding the whole packet.
    if (message.length > this.ownMessagePrefix.length && message.subarray(0, this.ownMessagePrefix.length).equals(this.ownMessagePrefix)) return;
    try {
      const [uid, packet, opts] = this.parser.decode(message) as [string, BroadcastPacket, { rooms: string[]; except: string[]; flags?: BroadcastOptions['flags'] }];
      if (uid === this.uid || !packet || !this.isRecoverable(packet, opts)) return;
      const offset = packet.data[packet.data.length - 1];
      if (typeof offset !== 'string') return;
      const now = Date.now();
      this.missedPackets.record({ id: offset, rooms: opts.rooms ?? [], except: opts.except ?? [], data: packet.data, emittedAt: now }, now);
    } catch {
      // Not a broadcast this adapter understands; the stock handler ignores it too.
    }
  }

  private sessionKey(pid: string): string {
    return `${this.options.key}:session:${pid}`;
  }

  override persistSession(session: SessionToPersist): void {
    this.publisher
      .set(this.sessionKey(session.pid), JSON.stringify(session), 'PX', this.options.recoveryWindowMs)
      .catch(() => undefined);
  }

  override async restoreSession(pid: string, offset: string): Promise<Session> {
    const raw = await this.publisher.getdel(this.sessionKey(pid));
    const none = null as unknown as Session;
    if (!raw) return none;
    const session = JSON.parse(raw) as SessionToPersist;
    const missed = this.missedPackets.missedSince(offset, session.rooms);
    if (!missed) return none;
    return {
      ...session,
      rooms: session.rooms.filter((room) => !isPrivateRoom(room)),
      data: { ...(session.data as object), [PENDING_PRIVATE_PACKETS]: missed.privatePackets },
      missedPackets: missed.publicPackets,
    };
  }
}

/** `[uid, null, null]` in msgpack without its two trailing nils (one byte each): the start of every `[uid, packet, opts]`. */
function ownMessagePrefixOf(encoded: Buffer): Buffer {
  return Buffer.from(encoded.subarray(0, encoded.length - 2));
}

/** Socket.IO calls the factory with `new`, so it must be a function, not an arrow. */
export function createRecoverableAdapter(publisher: Redis, subscriber: Redis, options: { key: string; recoveryWindowMs: number }) {
  return function recoverableAdapter(nsp: Namespace) {
    return new RecoverableRedisAdapter(nsp, publisher, subscriber, options);
  };
}
