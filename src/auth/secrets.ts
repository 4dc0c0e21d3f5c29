import { createHash, randomBytes } from 'node:crypto';

/** A random secret for URLs and bodies: 32 bytes, base64url. */
export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** A nonce a wallet shows to the user: 32 hex characters (alphanumeric, as EIP-4361 requires). */
export function newNonce(): string {
  return randomBytes(16).toString('hex');
}

/** Secrets are stored only as this digest, so a database leak does not hand out sessions. */
export function sha256Hex(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}
