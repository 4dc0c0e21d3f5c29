import { Injectable } from '@nestjs/common';
import { hashMessage } from 'ethers';
import { MalformedErc6492Signature, signatureBytes, unwrapErc6492Signature } from '../blockchain/evm/erc6492-signature';
import { SmartWalletSignatures, SmartWalletVerdict } from '../blockchain/evm/smart-wallet-signatures.service';
import { Unauthorized } from '../common/errors/domain-error';
import { recoverSiweSigner, SIGNATURE_MALFORMED, SIGNATURE_MISMATCH, SiweMessage } from './siwe-message';

/** Who signed a SIWE message: its address's own key, or the wallet contract at that address. */
export type SiweSignerKind = 'key' | 'erc1271' | 'erc6492';

/**
 * The signature step of Sign-In with Ethereum. A key-pair (EOA) signature is recovered locally, with no RPC;
 * only when the recovered key is not the message's address, and that address has code or the signature is
 * ERC-6492-wrapped, does the configured chain decide (ERC-1271 / ERC-6492).
 *
 * Smart wallets are checked on the configured EVM chain only: a message for another chain id is refused with
 * the reason, since a contract wallet's code and owners are per chain and this server reads one chain.
 */
@Injectable()
export class SiweSignatures {
  constructor(private readonly smartWallets: SmartWalletSignatures) {}

  /** Resolves with who signed; throws Unauthorized with the reason, or ChainUnavailable (503) when the chain did not answer. */
  async confirm(message: SiweMessage, text: string, signature: string): Promise<SiweSignerKind> {
    const signer = recoverSiweSigner(text, signature);
    if (signer === message.address) return 'key';

    const bytes = signatureBytes(signature);
    if (!bytes) throw new Unauthorized(SIGNATURE_MALFORMED);
    const wrapped = isErc6492(bytes);
    const notSigned = signer === undefined ? SIGNATURE_MALFORMED : SIGNATURE_MISMATCH;
    const chainId = this.smartWallets.chainId;
    if (chainId === undefined) {
      throw new Unauthorized(wrapped ? 'smart-wallet (ERC-6492) signatures cannot be checked: this server has no EVM chain configured' : notSigned);
    }
    if (message.chainId !== chainId) {
      throw new Unauthorized(
        wrapped
          ? `smart-wallet (ERC-6492) signatures are checked on chain ${chainId} only; this message is for chain ${message.chainId}`
          : `${notSigned}; a smart wallet's signature is checked only for messages on chain ${chainId}, this one is for chain ${message.chainId}`,
      );
    }

    const verdict = await this.smartWallets.verify({ address: message.address, hash: hashMessage(text), signature: bytes });
    if (verdict.valid) return verdict.standard;
    throw new Unauthorized(refusal(verdict, message.address, notSigned));
  }
}

function isErc6492(signature: Parameters<typeof unwrapErc6492Signature>[0]): boolean {
  try {
    return unwrapErc6492Signature(signature) !== undefined;
  } catch (error) {
    if (error instanceof MalformedErc6492Signature) throw new Unauthorized(error.message);
    throw error;
  }
}

function refusal(verdict: Exclude<SmartWalletVerdict, { valid: true }>, address: string, notSigned: string): string {
  const detail = verdict.detail ? `: ${verdict.detail}` : '';
  switch (verdict.standard) {
    case 'none':
      return notSigned;
    case 'erc1271':
      return `the smart wallet at ${address} did not accept the signature (ERC-1271 isValidSignature)${detail}`;
    case 'erc6492':
      return `the smart wallet at ${address} did not accept the signature (ERC-6492: its factory call, then isValidSignature)${detail}`;
  }
}
