/**
 * A settled round's closes as stored in `rounds.closes`: tick 1 first, each close a big-endian IEEE-754 double
 * (`float8send`), 8 bytes a tick. Closes are integers held in doubles (see PathCandle), so the round trip is exact.
 */
const BYTES_PER_CLOSE = 8;

/** The closes of `bytes`, tick t at index t − 1. Throws RangeError when the length is not a whole number of closes. */
export function decodeRoundCloses(bytes: Uint8Array): Float64Array {
  if (bytes.byteLength % BYTES_PER_CLOSE !== 0) throw new RangeError(`stored closes must be a multiple of ${BYTES_PER_CLOSE} bytes, got ${bytes.byteLength}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const closes = new Float64Array(bytes.byteLength / BYTES_PER_CLOSE);
  for (let index = 0; index < closes.length; index += 1) closes[index] = view.getFloat64(index * BYTES_PER_CLOSE, false);
  return closes;
}

/** The inverse of decodeRoundCloses (the settlement writes the same bytes in SQL with `float8send`). */
export function encodeRoundCloses(closes: ArrayLike<number>): Buffer {
  const bytes = Buffer.alloc(closes.length * BYTES_PER_CLOSE);
  for (let index = 0; index < closes.length; index += 1) bytes.writeDoubleBE(closes[index], index * BYTES_PER_CLOSE);
  return bytes;
}

/**
 * SQL that sets `rounds.closes` of round `$1` from its persisted candles, only when they are complete: ticks 1..tick
 * all present and the last close equal to the round's price (otherwise it stays NULL and backtests regenerate).
 */
export const STORE_ROUND_CLOSES_SQL = `
  UPDATE rounds r
     SET closes = c.closes
    FROM (SELECT string_agg(float8send(close::float8), ''::bytea ORDER BY tick) AS closes, count(*)::int AS ticks, max(tick) AS max_tick,
                 (array_agg(close ORDER BY tick DESC))[1] AS last_close
            FROM round_candles WHERE round_id = $1) c
   WHERE r.id = $1 AND c.ticks = r.tick AND c.max_tick = r.tick AND c.ticks > 0 AND c.last_close = r.price`;
