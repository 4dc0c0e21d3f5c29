import { verifyMessage } from 'ethers';
import { SiweMessage as ParsedSiweMessage } from 'siwe';
import { SignInRejected } from './sign-in-rejected';

/** The fields of an EIP-4361 "Sign-In with Ethereum" message. */
export interface SiweMessage {
  scheme?: string;
  domain: string;
  /** EIP-55 checksummed. */
  address: string;
  statement?: string;
  uri: string;
  version: string;
  chainId: number;
  nonce: string;
  issuedAt: Date;
  expirationTime?: Date;
  notBefore?: Date;
  requestId?: string;
  resources: string[];
}

const LAYOUT = 'the URI, Version, Chain ID, Nonce and Issued At lines, then optional Expiration Time, Not Before, Request ID and Resources, in that order';

function rejected(detail: string): SiweRejected {
  return new SiweRejected(`message is not a valid EIP-4361 sign-in message: ${detail}`);
}

export class SiweRejected extends SignInRejected {}

/**
 * The `siwe` parser reports field errors (`line N: invalid nonce`, with a line count that drifts while
 * the grammar backtracks) and, when the layout itself breaks, a dump of its parser state with the
 * offset it reached. We keep the field errors without their line numbers and quote the line the
 * parser stopped on, so the 401 says what to fix.
 */
function parseFailure(text: string, error: unknown): string {
  const raw = error instanceof Error ? error.message : String(error);
  const reasons = [
    ...new Set(
      raw
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line && !line.startsWith('Invalid message: {') && !line.startsWith('invalid message: max line number'))
        .map((line) => line.replace(/^line \d+: /, '')),
    ),
  ];
  if (text.includes('\r')) reasons.push('lines must end with LF (\\n), not CRLF');
  const stoppedAt = /"maxMatched":(\d+)/.exec(raw);
  if (stoppedAt) {
    const lineNumber = text.slice(0, Number(stoppedAt[1])).split('\n').length;
    const line = text.split('\n')[lineNumber - 1] ?? '';
    const quoted = JSON.stringify(line.length > 80 ? `${line.slice(0, 80)}…` : line);
    reasons.push(reasons.length > 0 ? `at line ${lineNumber} (${quoted})` : `line ${lineNumber} (${quoted}) does not fit the layout: after the header, address and statement come ${LAYOUT}`);
  }
  return reasons.length > 0 ? reasons.join('; ') : 'it does not follow the EIP-4361 layout';
}

function timestamp(field: string, value: string): Date {
  const time = Date.parse(value);
  if (Number.isNaN(time)) throw rejected(`${field} is not a date-time this server can read (got "${value}")`);
  return new Date(time);
}

/**
 * Parses the message text with the `siwe` package's EIP-4361 grammar (the reference ABNF: EIP-55
 * address, RFC 3986 URIs and resources, RFC 3339 times, fields in order), so the server checks the
 * same text the wallet showed and signed. Throws `SiweRejected` naming the problem.
 */
export function parseSiweMessage(text: string): SiweMessage {
  let parsed: ParsedSiweMessage;
  try {
    parsed = new ParsedSiweMessage(text);
  } catch (error) {
    throw rejected(parseFailure(text, error));
  }
  if (parsed.version !== '1') throw rejected(`Version must be 1 (got "${parsed.version}")`);
  if (parsed.issuedAt === undefined) throw rejected('Issued At is required');
  return {
    ...(parsed.scheme ? { scheme: parsed.scheme } : {}),
    domain: parsed.domain,
    address: parsed.address,
    ...(parsed.statement !== undefined ? { statement: parsed.statement } : {}),
    uri: parsed.uri,
    version: parsed.version,
    chainId: parsed.chainId,
    nonce: parsed.nonce,
    issuedAt: timestamp('Issued At', parsed.issuedAt),
    ...(parsed.expirationTime !== undefined ? { expirationTime: timestamp('Expiration Time', parsed.expirationTime) } : {}),
    ...(parsed.notBefore !== undefined ? { notBefore: timestamp('Not Before', parsed.notBefore) } : {}),
    ...(parsed.requestId !== undefined ? { requestId: parsed.requestId } : {}),
    resources: parsed.resources ?? [],
  };
}

export interface SiwePolicy {
  domain: string;
  /** Origins (`https://app.example.com`) the message's `URI` may be on: this server's and its web apps'. */
  uriOrigins: string[];
  chainIds: number[];
  now: Date;
  /** Tolerance for a wallet clock slightly ahead of ours when checking `Issued At` and `Not Before`. */
  clockSkewMs: number;
}

/**
 * Everything about a SIWE message itself: format, domain, URI, chain and time window. The signature is
 * checked next (`recoverSiweSigner`, then a smart wallet's contract when the key is not the address's).
 */
export function checkSiweMessage(text: string, policy: SiwePolicy): SiweMessage {
  const message = parseSiweMessage(text);
  if (message.domain.toLowerCase() !== policy.domain.toLowerCase()) {
    throw new SiweRejected(`domain mismatch: the message is for "${message.domain}", this server is "${policy.domain}"`);
  }
  // EIP-4361 binds the signature to the relying party by domain and URI: a message naming another
  // site's URI was made for (or by) someone else.
  if (!policy.uriOrigins.includes(originOf(message.uri) ?? '')) {
    throw new SiweRejected(`URI mismatch: the message is for "${message.uri}", this server accepts URIs on ${policy.uriOrigins.join(', ')}`);
  }
  if (!policy.chainIds.includes(message.chainId)) {
    throw new SiweRejected(`chain ${message.chainId} is not accepted (allowed: ${policy.chainIds.join(', ')})`);
  }
  const now = policy.now.getTime();
  if (message.issuedAt.getTime() > now + policy.clockSkewMs) throw new SiweRejected('Issued At is in the future');
  if (message.expirationTime && message.expirationTime.getTime() <= now) throw new SiweRejected('message expired (Expiration Time has passed)');
  if (message.notBefore && message.notBefore.getTime() > now + policy.clockSkewMs) throw new SiweRejected('message not yet valid (Not Before is in the future)');
  return message;
}

/** The key that made an EIP-191 (personal_sign) signature of the text, or undefined when it is no 65-byte key signature. */
export function recoverSiweSigner(text: string, signature: string): string | undefined {
  try {
    return verifyMessage(text, signature);
  } catch {
    return undefined;
  }
}

export const SIGNATURE_MISMATCH = 'signature does not match the message address (signed by another key or the message was altered)';
export const SIGNATURE_MALFORMED = 'signature is malformed (expected a 65-byte 0x-prefixed hex EIP-191 signature, or a smart wallet\'s ERC-1271 or ERC-6492 signature)';

/** A key-pair (EOA) SIWE sign-in checked without a chain: the message, then the EIP-191 signature. */
export function verifySiweSignIn(text: string, signature: string, policy: SiwePolicy): SiweMessage {
  const message = checkSiweMessage(text, policy);
  const signer = recoverSiweSigner(text, signature);
  if (signer === undefined) throw new SiweRejected(SIGNATURE_MALFORMED);
  if (signer !== message.address) throw new SiweRejected(SIGNATURE_MISMATCH);
  return message;
}

/** The `scheme://host[:port]` of an http(s) URL, lowercased and without a default port; undefined for anything else. */
export function originOf(uri: string): string | undefined {
  try {
    const url = new URL(uri);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : undefined;
  } catch {
    return undefined;
  }
}

/** Writes a message in EIP-4361 layout (the inverse of `parseSiweMessage`); used by tests and tools. */
export function formatSiweMessage(message: Omit<SiweMessage, 'resources' | 'version'> & { resources?: string[]; version?: string }): string {
  const lines = [
    `${message.scheme ? `${message.scheme}://` : ''}${message.domain} wants you to sign in with your Ethereum account:`,
    message.address,
    '',
    ...(message.statement !== undefined ? [message.statement, ''] : ['']),
    `URI: ${message.uri}`,
    `Version: ${message.version ?? '1'}`,
    `Chain ID: ${message.chainId}`,
    `Nonce: ${message.nonce}`,
    `Issued At: ${message.issuedAt.toISOString()}`,
  ];
  if (message.expirationTime) lines.push(`Expiration Time: ${message.expirationTime.toISOString()}`);
  if (message.notBefore) lines.push(`Not Before: ${message.notBefore.toISOString()}`);
  if (message.requestId !== undefined) lines.push(`Request ID: ${message.requestId}`);
  if (message.resources?.length) lines.push('Resources:', ...message.resources.map((resource) => `- ${resource}`));
  return lines.join('\n');
}
