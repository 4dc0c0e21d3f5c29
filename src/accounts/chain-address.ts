import { getAddress } from 'ethers';
import type { ChainName } from '../config/app-config';

/** The address in canonical form for `chain` (EIP-55 for EVM chains, 64 lowercase hex for Aptos), or undefined if invalid. */
export function canonicalAddress(chain: ChainName, address: string): string | undefined {
  if (chain === 'aptos') {
    return /^0x[0-9a-fA-F]{1,64}$/.test(address) ? `0x${address.slice(2).toLowerCase().padStart(64, '0')}` : undefined;
  }
  if (!/^0x[0-9a-fA-F]{40}$/.test(address)) return undefined;
  try {
    // Refuses a mixed-case address whose checksum is wrong; all-lowercase is accepted.
    return getAddress(address);
  } catch {
    return undefined;
  }
}
