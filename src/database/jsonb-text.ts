// With the u flag a pair is one code point, so only an unpaired half matches (as in auth.dto.ts's email check).
const LONE_SURROGATES = /\p{Surrogate}/gu;
// JSON.stringify writes a lone surrogate as a `\udXXX` escape (a pair is written as itself).
const ESCAPED_SURROGATE = /\\u[dD][89a-fA-F]/;

/** jsonb refuses the `\ud800` escape of a lone surrogate (a 500 on a client's malformed text): stored as U+FFFD, as text columns do. */
export function wellFormed(text: string): string {
  return text.replace(LONE_SURROGATES, '\uFFFD');
}

/** A parsed JSON value with every string and key well formed. */
export function wellFormedJson(value: unknown): unknown {
  if (typeof value === 'string') return wellFormed(value);
  if (Array.isArray(value)) return value.map(wellFormedJson);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [wellFormed(key), wellFormedJson(item)]));
}

/**
 * JSON text for a jsonb parameter that may carry a client's text (a refusal naming the outcome it was sent): a lone
 * surrogate in it would make PostgreSQL refuse the whole statement. Only text that has such an escape pays for the rewrite.
 */
export function jsonbText(value: unknown): string {
  const text = JSON.stringify(value);
  return ESCAPED_SURROGATE.test(text) ? JSON.stringify(wellFormedJson(JSON.parse(text))) : text;
}
