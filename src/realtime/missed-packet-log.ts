import { isPrivateRoom } from './channels';

export interface LoggedPacket {
  /** The offset the client echoes back on reconnection. */
  id: string;
  /** Target rooms (empty: everyone) and excluded rooms, as the broadcast named them. */
  rooms: string[];
  except: string[];
  /** Socket.IO event arguments, offset last. */
  data: unknown[];
  emittedAt: number;
}

export interface MissedPackets {
  /** Packets for public channels (and broadcasts to everyone): safe to send before the handshake is re-authenticated. */
  publicPackets: unknown[][];
  /** Packets for `user:*`/`session:*` rooms: only sent once the reconnecting socket proves it is still that user. */
  privatePackets: { rooms: string[]; data: unknown[] }[];
}

/**
 * Recent broadcast packets of one process, so a socket that drops for a moment gets what it missed
 * (Socket.IO connection state recovery). Every instance sees every broadcast through Redis, so any
 * instance can answer. Bounded by age and count; pure (clock passed in).
 */
export class MissedPacketLog {
  private packets: LoggedPacket[] = [];
  private head = 0;

  constructor(
    private readonly maxAgeMs: number,
    private readonly maxPackets = 50_000,
  ) {}

  get size(): number {
    return this.packets.length - this.head;
  }

  record(packet: LoggedPacket, now: number): void {
    this.packets.push(packet);
    const oldest = now - this.maxAgeMs;
    while (this.head < this.packets.length && (this.packets[this.head].emittedAt < oldest || this.size > this.maxPackets)) {
      this.head += 1;
    }
    if (this.head > 1024 && this.head * 2 > this.packets.length) {
      this.packets = this.packets.slice(this.head);
      this.head = 0;
    }
  }

  /** What a session in `sessionRooms` missed after `offset`; null when the offset is unknown or too old. */
  missedSince(offset: string, sessionRooms: string[]): MissedPackets | null {
    let index = -1;
    for (let i = this.packets.length - 1; i >= this.head; i -= 1) {
      if (this.packets[i].id === offset) {
        index = i;
        break;
      }
    }
    if (index === -1) return null;
    const missed: MissedPackets = { publicPackets: [], privatePackets: [] };
    for (let i = index + 1; i < this.packets.length; i += 1) {
      const packet = this.packets[i];
      if (sessionRooms.some((room) => packet.except.includes(room))) continue;
      if (packet.rooms.length === 0) {
        missed.publicPackets.push(packet.data);
        continue;
      }
      const matching = packet.rooms.filter((room) => sessionRooms.includes(room));
      if (matching.length === 0) continue;
      if (matching.some((room) => !isPrivateRoom(room))) missed.publicPackets.push(packet.data);
      else missed.privatePackets.push({ rooms: matching, data: packet.data });
    }
    return missed;
  }
}
