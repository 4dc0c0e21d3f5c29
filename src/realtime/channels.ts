/**
 * Channel names are the public contract between clients and the server; rooms are how Socket.IO
 * implements them. This file is the one place that decides which names exist and how they parse;
 * which of them a client may join today is up to the venues (RealtimeChannels). Pure: no Nest, no Socket.IO.
 */

/** Every public channel kind with the parameters its name carries, in order: `book:<marketId>:<outcome>`. */
export const CHANNEL_PARAMS = {
  rounds: [],
  round: ['roundId'],
  markets: [],
  market: ['marketId'],
  ticker: ['symbol'],
  candles: ['symbol', 'interval'],
  book: ['marketId', 'outcome'],
  creator: ['creatorId'],
} as const satisfies Record<string, readonly string[]>;

type ChannelParams = typeof CHANNEL_PARAMS;
export type ChannelKind = keyof ChannelParams;
/** The parsed channel of kind K (of each kind in K, as a union): `{kind: 'market', name, marketId}`. */
export type ChannelOf<K extends ChannelKind> = K extends ChannelKind ? { kind: K; name: string } & { [P in ChannelParams[K][number]]: string } : never;
export type ChannelRef = ChannelOf<ChannelKind>;

export const CHANNEL_ERRORS = {
  malformed: 'malformed channel',
  unknown: 'unknown channel',
  private: 'private channel',
} as const;
export type ChannelError = (typeof CHANNEL_ERRORS)[keyof typeof CHANNEL_ERRORS];

/** A refused channel: `error` is the stable value clients switch on, `message` the reason for a person. */
export type ChannelRefusal = { ok: false; error: ChannelError; message: string };
export type ChannelParse = { ok: true; channel: ChannelRef } | ChannelRefusal;

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
  candles: (symbol: string, interval: string) => `candles:${symbol}:${interval}`,
  book: (marketId: string, outcome: string) => `book:${marketId}:${outcome}`,
  creator: (creatorId: string) => `creator:${creatorId}`,
};

export function isPrivateRoom(room: string): boolean {
  const separator = room.indexOf(':');
  return separator > 0 && PRIVATE_KINDS.has(room.slice(0, separator));
}

/** `market:<marketId>`: how a kind's names look, for refusal messages. */
export function channelPattern(kind: ChannelKind): string {
  return [kind, ...CHANNEL_PARAMS[kind].map((param) => `<${param}>`)].join(':');
}

const PATTERNS = (Object.keys(CHANNEL_PARAMS) as ChannelKind[]).map(channelPattern).join(', ');

function refused(error: ChannelError, message: string): ChannelRefusal {
  return { ok: false, error, message };
}

function isChannelKind(kind: string): kind is ChannelKind {
  return Object.hasOwn(CHANNEL_PARAMS, kind);
}

/** Parses a name a client sent; refuses anything that is not a public channel's name. */
export function parseChannel(input: unknown): ChannelParse {
  if (typeof input !== 'string' || input.length > MAX_CHANNEL_LENGTH) {
    return refused(CHANNEL_ERRORS.malformed, `channel must be a string of at most ${MAX_CHANNEL_LENGTH} characters, like "rounds" or "market:<marketId>"`);
  }
  const [kind, ...segments] = input.split(':');
  if (PRIVATE_KINDS.has(kind)) return refused(CHANNEL_ERRORS.private, `${kind}:* rooms are joined by the server, never by subscribe`);
  if (!SHAPE.test(input) || !segments.every((segment) => SEGMENT.test(segment))) {
    return refused(CHANNEL_ERRORS.malformed, 'channel must be a lowercase kind, then ":"-separated ids of letters, digits, "_", "." or "-"');
  }
  if (!isChannelKind(kind)) return refused(CHANNEL_ERRORS.unknown, `"${kind}" is not a channel kind; channels are ${PATTERNS}`);
  const params = CHANNEL_PARAMS[kind];
  if (segments.length !== params.length) return refused(CHANNEL_ERRORS.unknown, `${kind} channels are named ${channelPattern(kind)}`);

  const channel = { kind, name: input, ...Object.fromEntries(params.map((param, i) => [param, segments[i]])) };
  return { ok: true, channel: channel as ChannelRef };
}
