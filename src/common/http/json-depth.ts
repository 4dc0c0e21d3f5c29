import type { IncomingMessage } from 'node:http';

/** Deepest `[`/`{` nesting a JSON body may have; no request of this API needs more than a few levels. */
export const MAX_JSON_DEPTH = 32;

const OPEN_BRACKET = new Set([0x5b, 0x7b]); // [ {
const CLOSE_BRACKET = new Set([0x5d, 0x7d]); // ] }
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Whether JSON text (as UTF-8 bytes, or UTF-16 code units) nests arrays and objects deeper than
 * `limit`. One pass over the raw text, brackets inside strings ignored; the text need not be
 * valid JSON (the parser judges that afterwards).
 */
export function nestsDeeperThan(text: Uint8Array | string, limit: number): boolean {
  const at = typeof text === 'string' ? (index: number) => text.charCodeAt(index) : (index: number) => text[index];
  let depth = 0;
  let inString = false;
  for (let index = 0; index < text.length; index += 1) {
    const code = at(index);
    if (inString) {
      if (code === BACKSLASH) index += 1;
      else if (code === QUOTE) inString = false;
    } else if (code === QUOTE) {
      inString = true;
    } else if (OPEN_BRACKET.has(code)) {
      depth += 1;
      if (depth > limit) return true;
    } else if (CLOSE_BRACKET.has(code)) {
      depth -= 1;
    }
  }
  return false;
}

/** What body-parser makes of an error thrown by `verify`: its `status` and `type` reach the error filter as a 400. */
class JsonTooDeep extends Error {
  readonly status = 400;
  readonly type = 'entity.too.deep';
  readonly expose = true;

  constructor(limit: number) {
    super(`JSON body nests arrays or objects more than ${limit} levels deep`);
  }
}

/**
 * body-parser `verify` hook: refuses a deeply nested body before `JSON.parse` and class-transformer
 * recurse into it (thousands of levels overflow their stacks: a 500 on every endpoint with a body).
 */
export function refuseDeepJson(limit = MAX_JSON_DEPTH) {
  return (_request: IncomingMessage, _response: unknown, body: Buffer, encoding: string | null): void => {
    const isUtf8 = encoding === null || /^utf-?8$/i.test(encoding);
    const text = isUtf8 ? body : new TextDecoder(encoding).decode(body);
    if (nestsDeeperThan(text, limit)) throw new JsonTooDeep(limit);
  };
}
