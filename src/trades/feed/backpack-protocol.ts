import { compareDecimals, isDecimalString } from './decimal-price';
import type { PriceQuote } from './price-quote';

/**
 * Backpack's public stream (https://docs.backpack.exchange/#tag/Streams): one WebSocket, streams added with
 * `{"method":"SUBSCRIBE","params":["bookTicker.BTC_USDC_PERP", …]}`, every data frame wrapped as
 * `{"stream": "bookTicker.BTC_USDC_PERP", "data": {…}}`. bookTicker data: `e` "bookTicker", `E` event time and
 * `T` engine time (both microseconds), `s` symbol, `a`/`A` best ask price/size, `b`/`B` best bid price/size
 * (decimal strings), `u` update id. The server pings every 60 s and closes a connection that does not pong.
 * Pure: no sockets here.
 */
export function bookTickerStream(symbol: string): string {
  return `bookTicker.${symbol}`;
}

export function subscribeMessage(symbols: readonly string[], id = 1): string {
  return JSON.stringify({ method: 'SUBSCRIBE', params: symbols.map(bookTickerStream), id });
}

export type ParsedFrame =
  | { kind: 'quote'; quote: PriceQuote }
  /** A reply to our SUBSCRIBE (`{"id":1,"result":null}`) or another stream's frame: not data, not an error. */
  | { kind: 'ignored'; reason: string }
  | { kind: 'malformed'; reason: string };

const MAX_FRAME_LENGTH = 64 * 1024;

function malformed(reason: string): ParsedFrame {
  return { kind: 'malformed', reason };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Microseconds (a number or a numeric string, as Backpack sends them) to whole milliseconds. */
function microsToMillis(value: unknown): number | null {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return Math.floor(value / 1000);
  if (typeof value === 'string' && /^\d{1,19}$/.test(value)) return Number(BigInt(value) / 1000n);
  return null;
}

function updateIdOf(value: unknown): number | null {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
  if (typeof value === 'string' && /^\d{1,15}$/.test(value)) return Number(value);
  return null;
}

/**
 * One text frame from the stream → a quote, something to ignore, or a malformed frame (with the reason, for
 * the log and the counter). Never throws: whatever the exchange or the network sends, the feed carries on.
 */
export function parseBackpackFrame(raw: string | Buffer, receivedAt: number): ParsedFrame {
  const text = typeof raw === 'string' ? raw : raw.toString('utf8');
  if (text.length > MAX_FRAME_LENGTH) return malformed(`frame of ${text.length} characters`);
  let message: unknown;
  try {
    message = JSON.parse(text);
  } catch {
    return malformed('not JSON');
  }
  if (!isRecord(message)) return malformed('not a JSON object');
  if (message.stream === undefined) {
    if ('id' in message || 'result' in message) {
      return 'error' in message && message.error ? malformed(`request refused: ${JSON.stringify(message.error).slice(0, 200)}`) : { kind: 'ignored', reason: 'reply' };
    }
    return malformed('no stream');
  }
  if (typeof message.stream !== 'string') return malformed('stream is not a string');
  if (!message.stream.startsWith('bookTicker.')) return { kind: 'ignored', reason: `stream ${message.stream.slice(0, 80)}` };
  const data = message.data;
  if (!isRecord(data)) return malformed('data is not an object');
  if (data.e !== undefined && data.e !== 'bookTicker') return malformed(`event ${String(data.e).slice(0, 40)} on a bookTicker stream`);
  const symbol = data.s;
  if (typeof symbol !== 'string' || `bookTicker.${symbol}` !== message.stream) return malformed('symbol missing or not the stream’s');
  for (const field of ['a', 'A', 'b', 'B'] as const) {
    if (!isDecimalString(data[field]) || (data[field] as string).startsWith('-')) return malformed(`${field} is not a non-negative decimal string`);
  }
  const [ask, askSize, bid, bidSize] = [data.a, data.A, data.b, data.B] as string[];
  // Positions price at 8 decimals (PRICE_DECIMALS): a finer quote could not be traded on, so it is not a quote.
  if (decimalPlaces(bid) > 8 || decimalPlaces(ask) > 8) return malformed('a price has more than 8 decimals');
  if (compareDecimals(bid, '0') <= 0 || compareDecimals(ask, '0') <= 0) return malformed('a price is zero');
  if (compareDecimals(bid, ask) > 0) return malformed(`crossed book: bid ${bid} above ask ${ask}`);
  const updateId = updateIdOf(data.u);
  if (updateId === null) return malformed('u is not an update id');
  const exchangeTime = microsToMillis(data.E ?? data.T);
  if (exchangeTime === null) return malformed('E is not a time in microseconds');
  return { kind: 'quote', quote: { symbol, bid, ask, bidSize, askSize, updateId, exchangeTime, receivedAt } };
}

function decimalPlaces(value: string): number {
  const point = value.indexOf('.');
  return point < 0 ? 0 : value.length - point - 1;
}
