/**
 * What never reaches a log line: credentials, tokens, signatures, secrets, passwords and email addresses.
 * Structured fields are censored by key at any depth up to four (pino's `redact`), free text by pattern.
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

/** pino redact paths: each secret key at the top level and up to three objects down (`*.*.*.token`). */
export const REDACT_PATHS: string[] = SECRET_KEYS.flatMap((key) => {
  const segment = /^[A-Za-z_$][\w$]*$/.test(key) ? key : `["${key}"]`;
  const join = (prefix: string) => (segment.startsWith('[') ? `${prefix}${segment}` : `${prefix}.${segment}`);
  return [segment, join('*'), join('*.*'), join('*.*.*')];
});

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

/** Free text (a log message) with tokens, signatures and email addresses replaced. */
export function scrubText(text: string): string {
  let scrubbed = text;
  for (const [pattern, replacement] of TEXT_PATTERNS) scrubbed = scrubbed.replace(pattern, replacement);
  return scrubbed;
}
