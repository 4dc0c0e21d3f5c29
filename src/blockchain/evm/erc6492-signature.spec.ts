import { AbiCoder, Wallet, hexlify, randomBytes } from 'ethers';
import { ERC6492_MAGIC_SUFFIX, hasErc6492Suffix, signatureBytes, unwrapErc6492Signature, wrapErc6492Signature } from './erc6492-signature';

// Wrapped here with ethers' ABI coder, independently of viem (which the module uses), so the two must agree.
function wrapWithEthers(factory: string, calldata: string, inner: string): string {
  return AbiCoder.defaultAbiCoder().encode(['address', 'bytes', 'bytes'], [factory, calldata, inner]) + ERC6492_MAGIC_SUFFIX.slice(2);
}

describe('ERC-6492 signatures', () => {
  const factory = Wallet.createRandom().address;
  const calldata = hexlify(randomBytes(68));
  const inner = Wallet.createRandom().signMessageSync('hello');

  it('the magic suffix is 0x6492 repeated over 32 bytes', () => {
    expect(ERC6492_MAGIC_SUFFIX).toHaveLength(2 + 64);
    expect(ERC6492_MAGIC_SUFFIX).toMatch(/^0x(6492){16}$/);
  });

  it('unwraps abi.encode(factory, calldata, signature) ++ suffix into its parts (checksummed factory)', () => {
    const wrapped = signatureBytes(wrapWithEthers(factory, calldata, inner))!;
    expect(unwrapErc6492Signature(wrapped)).toEqual({ factory, factoryCalldata: calldata, innerSignature: inner });
  });

  it('wrap is the inverse of unwrap, byte for byte the same as ethers encodes it', () => {
    const wrapped = wrapErc6492Signature({ factory, factoryCalldata: calldata, innerSignature: inner });
    expect(wrapped).toBe(wrapWithEthers(factory, calldata, inner).toLowerCase());
    expect(unwrapErc6492Signature(wrapped)).toEqual({ factory, factoryCalldata: calldata, innerSignature: inner });
  });

  it('a signature without the suffix is no 6492 signature (a key or ERC-1271 one)', () => {
    expect(unwrapErc6492Signature(signatureBytes(inner)!)).toBeUndefined();
    expect(hasErc6492Suffix(signatureBytes('0x')!)).toBe(false);
    expect(hasErc6492Suffix(signatureBytes(ERC6492_MAGIC_SUFFIX)!)).toBe(true);
  });

  it('upper-case hex is read the same', () => {
    const wrapped = wrapWithEthers(factory, calldata, inner);
    const shouted = `0x${wrapped.slice(2).toUpperCase()}`;
    expect(unwrapErc6492Signature(signatureBytes(shouted)!)).toEqual({ factory, factoryCalldata: calldata, innerSignature: inner });
  });

  it('the suffix after bytes that are no abi.encode(address, bytes, bytes) is malformed', () => {
    expect(() => unwrapErc6492Signature(signatureBytes(ERC6492_MAGIC_SUFFIX)!)).toThrow('ERC-6492 signature is malformed');
    expect(() => unwrapErc6492Signature(signatureBytes(`0x${'00'.repeat(40)}${ERC6492_MAGIC_SUFFIX.slice(2)}`)!)).toThrow('ERC-6492 signature is malformed');
    const truncated = wrapWithEthers(factory, calldata, inner);
    const cut = `${truncated.slice(0, 2 + 64 * 3)}${ERC6492_MAGIC_SUFFIX.slice(2)}`;
    expect(() => unwrapErc6492Signature(signatureBytes(cut)!)).toThrow('ERC-6492 signature is malformed');
  });

  it('signatureBytes accepts 0x-hex bytes only', () => {
    expect(signatureBytes('0xABcd')).toBe('0xabcd');
    expect(signatureBytes('abcd')).toBeUndefined();
    expect(signatureBytes('0xabc')).toBeUndefined();
    expect(signatureBytes('0xzz')).toBeUndefined();
  });
});
