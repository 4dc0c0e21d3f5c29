const SEED_HEX = /^[0-9a-f]{64}$/;

/** True for 32 bytes written as 64 lowercase hex digits, the only form seeds and hashes take. */
export function isSeedHex(value: unknown): value is string {
  return typeof value === 'string' && SEED_HEX.test(value);
}

export function assertSeedHex(value: string, name: string): void {
  if (!isSeedHex(value)) throw new TypeError(`${name} must be 64 lowercase hex digits`);
}
