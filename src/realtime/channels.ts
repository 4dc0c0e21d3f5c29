/**
 * Channel names are the public contract between clients and the server; rooms are how Socket.IO
 * implements them. This file is the one place that decides which names exist and which a client
 * may join. Pure: no Nest, no Socket.IO.
 */
export type ChannelRef =
  | { kind: 'rounds'; name: string }
  | { kind: 'round'; name: string; roundId: string }
  | { kind: 'markets'; name: string }
  | { kind: 'market'; name: string; marketId: string }
  | { kind: 'ticker'; name: string; symbol: string }
  | { kind: 'book'; name: string; marketId: string; outcome: string };

export type ChannelKind = ChannelRef['kind'];
export type ChannelOf<K extends ChannelKind> = Extract<ChannelRef, { kind: K }>;

export const CHANNEL_ERRORS = {
  malformed: 'malformed channel',
  unknown: 'unknown channel',
  private: 'private channel',
} as const;
export type ChannelError = (typeof CHANNEL_ERRORS)[keyof typeof CHANNEL_ERRORS];

export type ChannelParse = { ok: true; channel: ChannelRef } | { ok: false; error: ChannelError };

const MAX_CHANNEL_LENGTH = 160;
/** Ids, symbols and outcomes: uuids, slugs, `BTC_USDC`, `YES`, `0`. */
const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const SHAPE = /^[a-z]+(:[^:]+)*$/;
/** Rooms the server joins on a socket's behalf; never joinable by a client. */
const PRIVATE_KINDS = new Set(['user', 'session']);

/** Room names the server uses, built in one place so publisher and gateway agree. */
export const rooms = {
  user: (userId: string) => `user:${userId}`,
  session: (sessionId: string) => `session:${sessionId}`,
  rounds: () => 'rounds',
  round: (roundId: string) => `round:${roundId}`,
  markets: () => 'markets',
  market: (marketId: string) => `market:${marketId}`,
  ticker: (symbol: string) => `ticker:${symbol}`,
  book: (marketId: string, outcome: string) => `book:${marketId}:${outcome}`,
};

export function isPrivateRoom(room: string): boolean {
  const separator = room.indexOf(':');
  return separator > 0 && PRIVATE_KINDS.has(room.slice(0, separator));
}

/** Parses a name a client sent; refuses anything that is not a public channel. */
export function parseChannel(input: unknown): ChannelParse {
  if (typeof input !== 'string' || input.length > MAX_CHANNEL_LENGTH) return { ok: false, error: CHANNEL_ERRORS.malformed };
  const [kind, ...segments] = input.split(':');
  if (PRIVATE_KINDS.has(kind)) return { ok: false, error: CHANNEL_ERRORS.private };
  if (!SHAPE.test(input)) return { ok: false, error: CHANNEL_ERRORS.malformed };
  if (!segments.every((segment) => SEGMENT.test(segment))) return { ok: false, error: CHANNEL_ERRORS.malformed };

  const name = input;
  switch (`${kind}/${segments.length}`) {
    case 'rounds/0':
      return { ok: true, channel: { kind: 'rounds', name } };
    case 'markets/0':
      return { ok: true, channel: { kind: 'markets', name } };
    case 'round/1':
      return { ok: true, channel: { kind: 'round', name, roundId: segments[0] } };
    case 'market/1':
      return { ok: true, channel: { kind: 'market', name, marketId: segments[0] } };
    case 'ticker/1':
      return { ok: true, channel: { kind: 'ticker', name, symbol: segments[0] } };
    case 'book/2':
      return { ok: true, channel: { kind: 'book', name, marketId: segments[0], outcome: segments[1] } };
    default:
      return { ok: false, error: CHANNEL_ERRORS.unknown };
  }
}
