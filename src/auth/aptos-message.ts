import { AccountAddress, AnyPublicKey, Ed25519PublicKey, Ed25519Signature } from '@aptos-labs/ts-sdk';
import { SignInRejected } from './sign-in-rejected';

/** What an Aptos wallet's `signMessage` put into `fullMessage`. */
export interface AptosSignedMessage {
  address?: string;
  application?: string;
  chainId?: number;
  message: string;
  nonce: string;
}

export class AptosRejected extends SignInRejected {}

const PREFIX = 'APTOS\n';
const OPTIONAL_LINES = ['address', 'application', 'chainId'] as const;

/** `0x` + 64 lowercase hex digits, the one form addresses are stored and compared in. */
export function normalizeAptosAddress(input: string): string {
  const checked = AccountAddress.isValid({ input, strict: false });
  if (!checked.valid) throw new AptosRejected(`invalid Aptos address "${input}": ${checked.invalidReasonMessage ?? checked.invalidReason}`);
  return AccountAddress.from(input).toStringLong();
}

/**
 * Parses the wallet standard `signMessage` layout: "APTOS", then optional `address:`,
 * `application:` and `chainId:` lines in that order, then `message: <message>` and, last,
 * `nonce: <nonce>`. The message itself may span lines; the nonce line is the final one.
 */
export function parseAptosFullMessage(fullMessage: string): AptosSignedMessage {
  if (!fullMessage.startsWith(PREFIX)) throw new AptosRejected('fullMessage must start with "APTOS\\n"');
  let rest = fullMessage.slice(PREFIX.length);
  const optional: Partial<Record<(typeof OPTIONAL_LINES)[number], string>> = {};
  for (const key of OPTIONAL_LINES) {
    if (!rest.startsWith(`${key}: `)) continue;
    const end = rest.indexOf('\n');
    if (end < 0) throw new AptosRejected(`fullMessage ends after the ${key} line; "message:" and "nonce:" must follow`);
    optional[key] = rest.slice(key.length + 2, end);
    rest = rest.slice(end + 1);
  }
  if (!rest.startsWith('message: ')) throw new AptosRejected('fullMessage must continue with "message: <message>" after the optional address, application and chainId lines');
  const nonceAt = rest.lastIndexOf('\nnonce: ');
  if (nonceAt < 0) throw new AptosRejected('fullMessage must end with "\\nnonce: <nonce>"');
  const nonce = rest.slice(nonceAt + '\nnonce: '.length);
  if (nonce.includes('\n') || nonce.length === 0) throw new AptosRejected('the nonce line must be the last line of fullMessage');
  let chainId: number | undefined;
  if (optional.chainId !== undefined) {
    if (!/^\d+$/.test(optional.chainId)) throw new AptosRejected(`chainId must be an integer (got "${optional.chainId}")`);
    chainId = Number(optional.chainId);
  }
  return {
    ...(optional.address !== undefined ? { address: optional.address } : {}),
    ...(optional.application !== undefined ? { application: optional.application } : {}),
    ...(chainId !== undefined ? { chainId } : {}),
    message: rest.slice('message: '.length, nonceAt),
    nonce,
  };
}

/** The text the server asks an Aptos wallet to sign; stored with the nonce and compared verbatim. */
export function aptosSignInMessage(domain: string, address: string): string {
  return `${domain} asks you to sign in to Cash Markets with your Aptos account ${address}.`;
}

/** `application` is the dapp origin or domain the wallet saw; either form of SIWE_DOMAIN is accepted. */
function applicationMatches(application: string, domain: string): boolean {
  if (application.toLowerCase() === domain.toLowerCase()) return true;
  try {
    return new URL(application).host.toLowerCase() === domain.toLowerCase();
  } catch {
    return false;
  }
}

function bytesOfHex(field: string, hex: string, length: number): `0x${string}` {
  const body = hex.startsWith('0x') ? hex.slice(2) : hex;
  if (!/^[0-9a-fA-F]*$/.test(body) || body.length !== length * 2) throw new AptosRejected(`${field} must be ${length} bytes of hex`);
  return `0x${body.toLowerCase()}`;
}

export interface AptosProof {
  address: string;
  publicKey: string;
  signature: string;
  fullMessage: string;
}

/**
 * Everything about an Aptos sign-in that needs no database: layout, application, the Ed25519
 * signature over `fullMessage`, and that the address belongs to the public key. Returns the
 * parsed message and the normalized address; the caller compares message and nonce with what it issued.
 */
export function verifyAptosSignIn(proof: AptosProof, domain: string): AptosSignedMessage & { normalizedAddress: string } {
  const normalizedAddress = normalizeAptosAddress(proof.address);
  const parsed = parseAptosFullMessage(proof.fullMessage);
  if (parsed.application !== undefined && !applicationMatches(parsed.application, domain)) {
    throw new AptosRejected(`application mismatch: the message is for "${parsed.application}", this server is "${domain}"`);
  }
  if (parsed.address !== undefined && normalizeAptosAddress(parsed.address) !== normalizedAddress) {
    throw new AptosRejected('the address line of fullMessage differs from the address sent');
  }

  const publicKey = new Ed25519PublicKey(bytesOfHex('publicKey', proof.publicKey, 32));
  // A single Ed25519 key authenticates either a legacy account (scheme 0) or a SingleKey account (scheme 2).
  const derived = [publicKey.authKey().derivedAddress(), new AnyPublicKey(publicKey).authKey().derivedAddress()].map((address): string => address.toStringLong());
  if (!derived.includes(normalizedAddress)) throw new AptosRejected('public key does not match the address (its authentication key derives another address)');

  const signature = new Ed25519Signature(bytesOfHex('signature', proof.signature, 64));
  const valid = publicKey.verifySignature({ message: new TextEncoder().encode(proof.fullMessage), signature });
  if (!valid) throw new AptosRejected('signature does not verify over fullMessage with this public key');
  return { ...parsed, normalizedAddress };
}
