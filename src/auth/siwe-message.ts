import { getAddress, verifyMessage } from 'ethers';
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

const HEADER = /^(?:([a-zA-Z][a-zA-Z0-9+.-]*):\/\/)?([^\s/?#]+) wants you to sign in with your Ethereum account:$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;
const NONCE = /^[a-zA-Z0-9]{8,}$/;

function rejected(detail: string): SiweRejected {
  return new SiweRejected(`message is not a valid EIP-4361 sign-in message: ${detail}`);
}

export class SiweRejected extends SignInRejected {}

function timestamp(field: string, value: string): Date {
  const time = Date.parse(value);
  if (!RFC3339.test(value) || Number.isNaN(time)) throw rejected(`${field} must be an RFC 3339 date-time (got "${value}")`);
  return new Date(time);
}

/**
 * Parses the message text exactly as EIP-4361 lays it out (line by line, fields in order), so the
 * server checks the same text the wallet showed and signed. Throws `SiweRejected` naming the problem.
 */
export function parseSiweMessage(text: string): SiweMessage {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  let index = 0;
  const next = (): string | undefined => lines[index++];

  const header = HEADER.exec(next() ?? '');
  if (!header) throw rejected('the first line must be "<domain> wants you to sign in with your Ethereum account:"');
  const [, scheme, domain] = header;

  const rawAddress = next() ?? '';
  if (!/^0x[0-9a-fA-F]{40}$/.test(rawAddress)) throw rejected('the second line must be the 0x-prefixed Ethereum address');
  let address: string;
  try {
    address = getAddress(rawAddress);
  } catch {
    throw rejected(`address ${rawAddress} has an invalid EIP-55 checksum`);
  }
  if (next() !== '') throw rejected('a blank line must follow the address');

  // Optional statement: "<statement>\n\n"; EIP-4361 also writes an empty line when there is none.
  let statement: string | undefined;
  if (lines[index] === '') index++;
  else if (!lines[index]?.startsWith('URI: ')) {
    statement = next();
    if (next() !== '') throw rejected('the statement must be one line followed by a blank line');
  }

  const field = (label: string, required: boolean): string | undefined => {
    const line = lines[index];
    if (line?.startsWith(`${label}: `)) {
      index++;
      return line.slice(label.length + 2);
    }
    if (required) throw rejected(`expected "${label}: ..." on line ${index + 1}`);
    return undefined;
  };

  const uri = field('URI', true)!;
  const version = field('Version', true)!;
  if (version !== '1') throw rejected(`Version must be 1 (got "${version}")`);
  const chainIdText = field('Chain ID', true)!;
  if (!/^[1-9]\d*$/.test(chainIdText)) throw rejected(`Chain ID must be a positive integer (got "${chainIdText}")`);
  const nonce = field('Nonce', true)!;
  if (!NONCE.test(nonce)) throw rejected('Nonce must be at least 8 alphanumeric characters');
  const issuedAt = timestamp('Issued At', field('Issued At', true)!);
  const expirationText = field('Expiration Time', false);
  const notBeforeText = field('Not Before', false);
  const requestId = field('Request ID', false);

  const resources: string[] = [];
  if (lines[index] === 'Resources:') {
    index++;
    while (lines[index]?.startsWith('- ')) resources.push(lines[index++]!.slice(2));
  }
  if (index < lines.length) throw rejected(`unexpected content on line ${index + 1}: "${lines[index]}"`);

  return {
    ...(scheme ? { scheme } : {}),
    domain,
    address,
    ...(statement !== undefined ? { statement } : {}),
    uri,
    version,
    chainId: Number(chainIdText),
    nonce,
    issuedAt,
    ...(expirationText !== undefined ? { expirationTime: timestamp('Expiration Time', expirationText) } : {}),
    ...(notBeforeText !== undefined ? { notBefore: timestamp('Not Before', notBeforeText) } : {}),
    ...(requestId !== undefined ? { requestId } : {}),
    resources,
  };
}

export interface SiwePolicy {
  domain: string;
  chainIds: number[];
  now: Date;
  /** Tolerance for a wallet clock slightly ahead of ours when checking `Issued At` and `Not Before`. */
  clockSkewMs: number;
}

/**
 * Everything about a SIWE sign-in that needs no database: message format, domain, chain,
 * time window and the EIP-191 signature. The caller then consumes the nonce.
 */
export function verifySiweSignIn(text: string, signature: string, policy: SiwePolicy): SiweMessage {
  const message = parseSiweMessage(text);
  if (message.domain.toLowerCase() !== policy.domain.toLowerCase()) {
    throw new SiweRejected(`domain mismatch: the message is for "${message.domain}", this server is "${policy.domain}"`);
  }
  if (!policy.chainIds.includes(message.chainId)) {
    throw new SiweRejected(`chain ${message.chainId} is not accepted (allowed: ${policy.chainIds.join(', ')})`);
  }
  const now = policy.now.getTime();
  if (message.issuedAt.getTime() > now + policy.clockSkewMs) throw new SiweRejected('Issued At is in the future');
  if (message.expirationTime && message.expirationTime.getTime() <= now) throw new SiweRejected('message expired (Expiration Time has passed)');
  if (message.notBefore && message.notBefore.getTime() > now + policy.clockSkewMs) throw new SiweRejected('message not yet valid (Not Before is in the future)');

  let signer: string;
  try {
    signer = verifyMessage(text, signature);
  } catch {
    throw new SiweRejected('signature is malformed (expected a 65-byte 0x-prefixed hex EIP-191 signature)');
  }
  if (signer !== message.address) throw new SiweRejected('signature does not match the message address (signed by another key or the message was altered)');
  return message;
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
