import { getBytes, hexlify, zeroPadValue } from 'ethers';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A server id (UUID) as the contracts' `bytes32` id: its 16 bytes, left-padded with zeros. Withdrawal ids, deposit
 * return ids, seed chain ids and round ids all go on chain this way, so anyone can map one back.
 */
export function uuidToBytes32(uuid: string): string {
  if (!UUID.test(uuid)) throw new Error(`not a UUID: ${uuid}`);
  return zeroPadValue(`0x${uuid.replace(/-/g, '').toLowerCase()}`, 32);
}

export function bytes32ToUuid(value: string): string {
  const bytes = getBytes(value);
  if (bytes.length !== 32 || bytes.slice(0, 16).some((byte) => byte !== 0)) throw new Error(`not a UUID id: ${value}`);
  const hex = hexlify(bytes.slice(16)).slice(2);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A 64-hex-digit value (seed, hash) as bytes32. */
export function hexToBytes32(hex: string): string {
  if (!/^(0x)?[0-9a-fA-F]{64}$/.test(hex)) throw new Error(`not 32 bytes of hex: ${hex}`);
  return hex.startsWith('0x') ? hex.toLowerCase() : `0x${hex.toLowerCase()}`;
}
