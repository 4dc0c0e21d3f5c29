/**
 * What never reaches a log line: credentials, tokens, signatures, secrets, passwords and email addresses.
 * Structured fields are censored by key at any depth up to four, free text by pattern.
 */
export const REDACTED = '[redacted]';

const SECRET_KEYS = [
  'password',
  'passwd',
  'secret',
  'token',
  'accessToken',
  'refreshToken',
  'idToken',
  'authorization',
  'cookie',
  'set-cookie',
  'signature',
  'privateKey',
  'mnemonic',
  'serverSeed',
  'apiKey',
  'email',
];

const SECRET_KEY_SET: ReadonlySet<string> = new Set(SECRET_KEYS.map((key) => key.toLowerCase()));
const MAX_DEPTH = 4;

/**
 * `value` with every field named like a secret (any case, up to four objects down) replaced by `[redacted]`, and
 * strings in it scrubbed like messages (a URL with `?token=` in a `path` field).
 * The caller's object is never changed: what holds a secret is copied, everything else is returned as it is,
 * so a line without secrets costs one walk over its keys (pino's own wildcard `redact` cost ~25× more here).
 * Errors are left to pino's serializer.
 */
export function censorSecrets(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return MAY_HOLD_SECRET.test(value) ? scrubText(value) : value;
  if (depth >= MAX_DEPTH || value === null || typeof value !== 'object' || value instanceof Error || value instanceof Date || Buffer.isBuffer(value)) return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    value.forEach((item: unknown, index) => {
      const censored = censorSecrets(item, depth + 1);
      if (censored !== item) (copy ??= [...(value as unknown[])])[index] = censored;
    });
    return copy ?? value;
  }
  const record = value as Record<string, unknown>;
  let copy: Record<string, unknown> | undefined;
  for (const key of Object.keys(record)) {
    const item = record[key];
    const censored = SECRET_KEY_SET.has(key.toLowerCase()) ? REDACTED : censorSecrets(item, depth + 1);
    if (censored !== item) (copy ??= { ...record })[key] = censored;
  }
  return copy ?? value;
}

const TEXT_PATTERNS: [RegExp, string][] = [
  // JWTs (access tokens) anywhere in text.
  [/\beyJ[\w-]+\.[\w-]+\.[\w-]+/g, REDACTED],
  [/\b(bearer)\s+[\w.~+/=-]+/gi, `$1 ${REDACTED}`],
  // token=, signature=, ... in URLs (the magic link) and key=value text.
  [/\b((?:[\w-]*token|signature|password|secret)=)[^&\s"']+/gi, `$1${REDACTED}`],
  // The development banner prints the dev chain's test wallets' keys; JSON logs never carry one.
  [/\b(private key\s+)(?:0x)?[0-9a-fA-F]{64}\b/gi, `$1${REDACTED}`],
  // A 65-byte hex signature (EIP-191 and friends) or a 32-byte hex private key with 0x.
  [/\b0x[0-9a-fA-F]{128,}\b/g, REDACTED],
  [/\b[\w.!#$%&'*+/=?^`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+\b/g, '[email]'],
];

/** A cheap first look before the patterns: what none of them can match without. */
const MAY_HOLD_SECRET = /[=@]|eyJ|earer|0x|private key/i;

/** Free text (a log message) with tokens, signatures and email addresses replaced. */
export function scrubText(text: string): string {
  let scrubbed = text;
  for (const [pattern, replacement] of TEXT_PATTERNS) scrubbed = scrubbed.replace(pattern, replacement);
  return scrubbed;
}
