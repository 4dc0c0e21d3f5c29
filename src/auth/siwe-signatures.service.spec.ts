import { Wallet } from 'ethers';
import { ERC6492_MAGIC_SUFFIX, wrapErc6492Signature } from '../blockchain/evm/erc6492-signature';
import type { SmartWalletSignatures, SmartWalletVerdict } from '../blockchain/evm/smart-wallet-signatures.service';
import { Unauthorized } from '../common/errors/domain-error';
import { formatSiweMessage, parseSiweMessage } from './siwe-message';
import { SiweSignatures } from './siwe-signatures.service';

/** A stand-in for the chain: answers with `verdict` and counts how often it was asked. */
function fakeChain(chainId: number | undefined, verdict: SmartWalletVerdict = { valid: false, standard: 'none' }) {
  const chain = { chainId, asked: 0, verify: async () => (chain.asked++, verdict) };
  return chain;
}

const owner = Wallet.createRandom();
const walletContract = Wallet.createRandom().address;

function signedText(address: string, chainId = 31337) {
  const text = formatSiweMessage({ domain: 'app.example.com', address, uri: 'https://app.example.com', chainId, nonce: 'a1b2c3d4e5f6a7b8c9d0', issuedAt: new Date() });
  return { text, message: parseSiweMessage(text) };
}

async function confirm(chain: ReturnType<typeof fakeChain>, address: string, sign: (text: string) => string | Promise<string>, chainId?: number) {
  const { text, message } = signedText(address, chainId);
  return new SiweSignatures(chain as unknown as SmartWalletSignatures).confirm(message, text, await sign(text));
}

describe('SiweSignatures', () => {
  it('a key signing for its own address is recovered locally: the chain is never asked', async () => {
    const chain = fakeChain(31337);
    await expect(confirm(chain, owner.address, (text) => owner.signMessage(text))).resolves.toBe('key');
    expect(chain.asked).toBe(0);
    // With no chain configured at all, key sign-in works as before.
    await expect(confirm(fakeChain(undefined), owner.address, (text) => owner.signMessage(text), 1)).resolves.toBe('key');
  });

  it('another key signing for an address asks the chain, which decides', async () => {
    const accepted = fakeChain(31337, { valid: true, standard: 'erc1271' });
    await expect(confirm(accepted, walletContract, (text) => owner.signMessage(text))).resolves.toBe('erc1271');
    expect(accepted.asked).toBe(1);

    await expect(confirm(fakeChain(31337, { valid: false, standard: 'erc1271' }), walletContract, (text) => owner.signMessage(text))).rejects.toThrow(
      `the smart wallet at ${walletContract} did not accept the signature (ERC-1271 isValidSignature)`,
    );
    // No code at the address: an ordinary mismatch, worded as before.
    await expect(confirm(fakeChain(31337), walletContract, (text) => owner.signMessage(text))).rejects.toThrow('signature does not match the message address');
  });

  it('a signature that is no hex is malformed without asking the chain', async () => {
    const chain = fakeChain(31337);
    await expect(confirm(chain, walletContract, () => 'not-hex')).rejects.toThrow('signature is malformed');
    await expect(confirm(chain, walletContract, () => '0x123')).rejects.toThrow('signature is malformed');
    expect(chain.asked).toBe(0);
  });

  it('a malformed ERC-6492 wrapper is refused without asking the chain', async () => {
    const chain = fakeChain(31337);
    await expect(confirm(chain, walletContract, () => ERC6492_MAGIC_SUFFIX)).rejects.toThrow('ERC-6492 signature is malformed');
    expect(chain.asked).toBe(0);
  });

  it('smart wallets are checked on the configured chain only: another chain id, or no chain, is refused with the reason', async () => {
    const wrapped = (text: string) => wrapErc6492Signature({ factory: owner.address, factoryCalldata: '0x1234', innerSignature: owner.signMessageSync(text) });
    const chain = fakeChain(31337, { valid: true, standard: 'erc6492' });
    await expect(confirm(chain, walletContract, wrapped, 8453)).rejects.toThrow('smart-wallet (ERC-6492) signatures are checked on chain 31337 only; this message is for chain 8453');
    await expect(confirm(chain, walletContract, (text) => owner.signMessage(text), 8453)).rejects.toThrow(
      "signature does not match the message address (signed by another key or the message was altered); a smart wallet's signature is checked only for messages on chain 31337, this one is for chain 8453",
    );
    await expect(confirm(fakeChain(undefined), walletContract, wrapped)).rejects.toThrow('this server has no EVM chain configured');
    expect(chain.asked).toBe(0);
    await expect(confirm(chain, walletContract, wrapped)).resolves.toBe('erc6492');
  });

  it('every refusal is an Unauthorized (401)', async () => {
    await expect(confirm(fakeChain(31337), walletContract, () => '0x12')).rejects.toBeInstanceOf(Unauthorized);
  });
});
