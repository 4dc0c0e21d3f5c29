import { getAddress } from 'ethers';
import { type Hex, parseErc6492Signature, serializeErc6492Signature } from 'viem';

/** The 32 bytes an ERC-6492 signature ends with: `abi.encode(factory, factoryCalldata, innerSignature) ++ suffix`. */
export const ERC6492_MAGIC_SUFFIX = `0x${'6492'.repeat(16)}` as const;

/** A counterfactual (not yet deployed) wallet's signature: how to deploy the wallet, and what it signed. */
export interface Erc6492Signature {
  /** The contract whose call deploys the wallet (a factory). */
  factory: string;
  factoryCalldata: string;
  /** The signature the deployed wallet's `isValidSignature` accepts. */
  innerSignature: string;
}

export class MalformedErc6492Signature extends Error {
  constructor(detail: string) {
    super(`ERC-6492 signature is malformed: ${detail}`);
    this.name = 'MalformedErc6492Signature';
  }
}

/** The signature as lowercase 0x-hex bytes, or undefined when it is not hex bytes at all. */
export function signatureBytes(signature: string): Hex | undefined {
  return /^0x([0-9a-fA-F]{2})*$/.test(signature) ? (signature.toLowerCase() as Hex) : undefined;
}

export function hasErc6492Suffix(signature: Hex): boolean {
  return signature.length >= ERC6492_MAGIC_SUFFIX.length && signature.endsWith(ERC6492_MAGIC_SUFFIX.slice(2));
}

/**
 * Splits an ERC-6492 signature into factory, calldata and inner signature (viem's decoder); undefined when
 * the signature has no 6492 suffix (a plain key or ERC-1271 signature). Throws when it has the suffix but the
 * rest is not `abi.encode(address, bytes, bytes)`.
 */
export function unwrapErc6492Signature(signature: Hex): Erc6492Signature | undefined {
  if (!hasErc6492Suffix(signature)) return undefined;
  let parsed: ReturnType<typeof parseErc6492Signature>;
  try {
    parsed = parseErc6492Signature(signature);
  } catch {
    throw new MalformedErc6492Signature('the bytes before the 6492 suffix are not abi.encode(address factory, bytes calldata, bytes signature)');
  }
  if (!('address' in parsed) || parsed.address === undefined || parsed.data === undefined) {
    throw new MalformedErc6492Signature('no factory or calldata before the 6492 suffix');
  }
  return { factory: getAddress(parsed.address), factoryCalldata: parsed.data, innerSignature: parsed.signature };
}

/** The inverse of `unwrapErc6492Signature`: what a wallet sends before it is deployed. */
export function wrapErc6492Signature(parts: Erc6492Signature): Hex {
  return serializeErc6492Signature({ address: parts.factory as Hex, data: parts.factoryCalldata as Hex, signature: parts.innerSignature as Hex });
}
